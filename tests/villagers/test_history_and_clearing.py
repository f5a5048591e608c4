"""/me pages its history back with keyset links ("更早的记录"), keeps a reversal beside what it
reversed even across pages, shows the lifetime points earned, and warns from December 1 about
the year-end clearing when the village clears balances."""

import datetime as dt
import re

from pointsmart.bookkeeping.clearing import clear_year
from pointsmart.clock import historical
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.villagers import service
from tests.factories import ROOT
from tests.villagers.test_pages import csrf_client, household_with_pin, sign_in  # noqa: F401


def amounts(html: str) -> list[str]:
    history = html.split('id="history"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'class="entry-amount[^"]*">([^<]+)<', history)


def test_history_pages_back_and_a_reversal_names_an_original_on_an_older_page(
    csrf_client,  # noqa: F811
    make,
):
    household = household_with_pin(make, make.village())
    first = make.award(household, 1, memo="第一笔")
    for points in range(2, 26):
        make.award(household, points, memo=f"第{points}笔")
    ledger.reverse(first.id, reason="记错了")
    db.session.commit()
    sign_in(csrf_client)

    latest = csrf_client.get("/me").get_data(as_text=True)
    older_link = re.search(r'id="older" href="([^"#]+)', latest).group(1).replace("&amp;", "&")
    older = csrf_client.get(older_link).get_data(as_text=True)

    assert amounts(latest) == ["\u22121"] + [f"+{p}" for p in range(25, 6, -1)]
    assert "撤销加分：第一笔" in latest
    assert "撤销了之前的一笔: 获得：第一笔 +1" in latest  # the original is on the next page
    assert "更早的记录" in latest
    assert amounts(older) == [f"+{p}" for p in range(6, 0, -1)]
    assert "这一笔后来被撤销了。" in older
    assert 'id="older"' not in older  # nothing older
    assert "回到最新记录" in older
    assert csrf_client.get("/me?before=abc").status_code == 404


def test_me_shows_lifetime_earned_points(csrf_client, make):  # noqa: F811
    household = household_with_pin(make, make.village())
    make.award(household, 30, period="2025-03")
    make.award(household, 12)
    ledger.deduct(household.village_id, household.id, 5, category="other", memo="罚")
    db.session.commit()
    sign_in(csrf_client)

    html = csrf_client.get("/me").get_data(as_text=True)

    assert re.search(r'id="lifetime-earned">累计获得：42 分<', html)


def test_the_clearing_warning_shows_from_december_first_in_the_village_day(ctx, make):
    village = make.village(timezone="Asia/Shanghai")

    assert service.year_end_clearing(village, 80, dt.date(2026, 12, 1)) is None  # not enabled
    village.year_end_clearing = True
    assert service.year_end_clearing(village, 80, dt.date(2026, 11, 30)) is None
    assert service.year_end_clearing(village, 80, dt.date(2026, 12, 1)) == 80
    assert service.year_end_clearing(village, 80, dt.date(2026, 12, 31)) == 80
    assert service.year_end_clearing(village, 0, dt.date(2026, 12, 15)) is None
    assert service.year_end_clearing(village, -5, dt.date(2026, 12, 15)) is None
    assert service.year_end_clearing(village, 80, dt.date(2027, 1, 1)) is None


def test_the_clearing_warning_on_the_page(csrf_client, make, monkeypatch):  # noqa: F811
    village = make.village()
    village.year_end_clearing = True
    household = household_with_pin(make, village)
    make.award(household, 70)
    db.session.commit()
    sign_in(csrf_client)

    monkeypatch.setattr(service, "local_today", lambda timezone: dt.date(2026, 12, 1))
    december = csrf_client.get("/me").get_data(as_text=True)
    monkeypatch.setattr(service, "local_today", lambda timezone: dt.date(2026, 11, 30))
    november = csrf_client.get("/me").get_data(as_text=True)

    assert "年底清零：12月31日将清零 70 分" in december
    assert "年底清零" not in november


def test_no_clearing_warning_once_the_household_was_cleared_for_the_year(
    csrf_client,  # noqa: F811
    make,
    monkeypatch,
):
    # A second run of the year posts nothing for a household it cleared already, so points
    # earned after the clearing stay: the page must not say they will be cleared.
    village = make.village()
    village.year_end_clearing = True
    household = household_with_pin(make, village)
    make.award(household, 70)
    with historical(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC)):
        clear_year(ROOT, village.id, 2026)
    make.award(household, 15)
    db.session.commit()
    sign_in(csrf_client)
    monkeypatch.setattr(service, "local_today", lambda timezone: dt.date(2026, 12, 15))

    html = csrf_client.get("/me").get_data(as_text=True)

    assert "年底清零：12月31日将清零" not in html
    assert service.year_end_clearing(village, 15, dt.date(2026, 12, 15), household.id) is None
    other = make.household(village)
    assert service.year_end_clearing(village, 15, dt.date(2026, 12, 15), other.id) == 15
