"""The card page a phone opens from the QR code: what it shows, a replaced or unknown card,
its rate limit and the time of its figures."""

import re

import pytest

from pointsmart.admin.households import mark_moved_away
from pointsmart.households.cards import ALPHABET, issue_card
from pointsmart.ledger import service as ledger
from tests.counter.web import get
from tests.factories import ROOT


def test_the_card_page_shows_the_balance_and_the_latest_entries_in_chinese(client, make):
    village = make.village(name="幸福村")
    household = make.household(village, number="XF-007", head_name="李秀英")
    make.award(household, 120, category="volunteer", memo="志愿服务：清扫村道 2小时")
    deduction = ledger.deduct(village.id, household.id, 10, category="black", memo="乱倒垃圾")
    ledger.reverse(deduction.id, reason="经核实撤销")
    card = issue_card(household.id)

    response = get(client, f"/c/{card.token}")
    html = response.get_data(as_text=True)

    assert "XF-007" in html
    assert "李秀英" in html
    assert "幸福村" in html
    assert re.search(r'data-testid="balance">\s*120\s*<', html)
    assert "志愿服务：清扫村道 2小时" in html
    assert "乱倒垃圾" in html
    assert "积分余额" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "<form" not in html.split("<main", 1)[1]  # read-only: nothing to submit
    assert get(client, f"/c/{card.code}").status_code == 200  # the short code works too


def test_a_replaced_card_gets_a_clear_410_page(client, make):
    household = make.household(make.village())
    old = issue_card(household.id)
    issue_card(household.id)

    response = get(client, f"/c/{old.token}", expect=410)

    html = response.get_data(as_text=True)
    assert "这张卡已停用" in html
    assert "新卡" in html


def test_the_card_of_a_household_that_moved_away_shows_none_of_its_entries(client, make):
    """Its account is closed and its own sign-in stopped, yet whoever found the old card saw
    its balance, its black-list entry and "whoever has the card can spend the points"."""
    village = make.village(name="搬迁村")
    household = make.household(village, number="MV-1", head_name="张小明")
    card = issue_card(household.id)
    make.award(household, 5, category="red", memo="好人好事")
    ledger.deduct(village.id, household.id, 5, category="black", memo="乱倒垃圾")
    mark_moved_away(ROOT, household.id)

    for seen in (card.token, card.code):
        response = get(client, f"/c/{seen}?lang=en", expect=410)
        html = response.get_data(as_text=True)
        assert response.status_code == 410
        assert "has moved away" in html
        assert "乱倒垃圾" not in html
        assert "好人好事" not in html
        assert "Points balance" not in html
        assert response.headers["Cache-Control"] == "no-store"
    chinese = get(client, f"/c/{card.token}", expect=410).get_data(as_text=True)
    assert "这户已经迁出本村，这张积分卡不再使用。" in chinese


def test_an_unknown_card_gets_a_404_page(client):
    html = get(client, "/c/not.ours", expect=404).get_data(as_text=True)
    assert "无法识别" in html


def test_a_mistyped_card_code_gets_a_422_page_kept_out_of_caches_like_the_others(client, make):
    household = make.household(make.village())
    code = issue_card(household.id).code
    last = ALPHABET[(ALPHABET.index(code[-1]) + 1) % len(ALPHABET)]  # the check fails

    response = get(client, f"/c/{code[:-1]}{last}", expect=422)

    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]


@pytest.mark.app_config(CARD_PAGE_RATE_LIMIT="3/minute")
def test_the_card_page_is_rate_limited(fresh_app):
    client = fresh_app.test_client()
    statuses = [client.get("/c/ABCD-EFGH-J").status_code for _ in range(4)]
    assert statuses[-1] == 429


def test_the_card_page_carries_the_time_of_its_figures_for_when_the_network_is_gone(client, make):
    household = make.household(make.village())
    card = issue_card(household.id)

    html = get(client, f"/c/{card.token}").get_data(as_text=True)

    note = re.search(r"<p [^>]*data-offline-note hidden>([^<]+)</p>", html)
    assert re.fullmatch(r"没有网络：这是 \d{4}-\d\d-\d\d \d\d:\d\d 时的积分。", note[1])
    assert 'data-page-source="network"' in html
