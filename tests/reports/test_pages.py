"""Who may open the committee report, the notice sheet and the exports, and what the report
page shows."""

import re
from decimal import Decimal

import pytest

from pointsmart.ledger import service as ledger
from pointsmart.periods import current_period, previous_period
from tests.counter.web import sign_in
from tests.reports.web import get


def report_paths(village_id: int, period: str) -> list[str]:
    base = f"/villages/{village_id}"
    return [
        f"{base}/reports?period={period}",
        f"{base}/reports/sheet.pdf?period={period}",
        f"{base}/reports/summary.csv?period={period}",
        f"{base}/reports/leaders.xlsx?period={period}",
        f"{base}/reports/leaders12.csv?period={period}",
        f"{base}/reports/months.xlsx?period={period}",
        f"{base}/exports?period={period}",
        f"{base}/exports/households.csv",
        f"{base}/exports/transfers.xlsx?period={period}",
        f"{base}/exports/transfers.csv",
        f"{base}/exports/redemptions.csv",
        f"{base}/exports/settlements.xlsx",
    ]


def test_an_admin_of_the_village_opens_every_report(client, books):
    sign_in(client, books.admin)
    for path in report_paths(books.village.id, books.period):
        get(client, path, expect=200)


def test_an_admin_of_every_village_opens_them_too(client, books, make):
    sign_in(client, make.staff("admin"))
    for path in report_paths(books.village.id, books.period):
        get(client, path, expect=200)


@pytest.mark.parametrize("who", ["leader", "keeper", "outsider"])
def test_leaders_shopkeepers_and_other_villages_admins_get_403(client, books, who):
    sign_in(client, getattr(books, who))
    for path in report_paths(books.village.id, books.period):
        response = get(client, path, expect=403)
        assert "text/html" in response.content_type


def test_anyone_not_signed_in_is_sent_to_sign_in(client, books):
    for path in report_paths(books.village.id, books.period):
        response = get(client, path, expect=302)
        assert "/login?next=" in response.headers["Location"]


def test_an_unknown_village_is_404(as_admin, books):
    get(as_admin, "/villages/999999/reports", expect=404)
    get(as_admin, "/villages/999999/exports/households.csv", expect=404)


def test_the_report_page_shows_the_figures_and_charts(as_admin, books):
    page = get(as_admin, f"/villages/{books.village.id}/reports?period={books.period}")
    html = page.get_data(as_text=True)

    assert "委员会报表" in html
    assert '<svg class="chart"' in html
    assert html.count('class="chart-bar chart-bar-issued"') == 12
    assert '<td class="num">180</td>' in html
    assert '<td class="num">70.00</td>' in html  # outstanding in yuan
    assert '<td class="num">310.00</td>' in html  # goods in stock
    assert "58.3" in html  # leader 1's top household share
    assert "style=" not in html
    assert "<script" not in html.split("</header>", 1)[1]


def test_the_report_says_when_a_printed_notice_no_longer_agrees_with_the_ledger(as_admin, books):
    """An admin may still correct a month whose 公示 sheet is printed; the report of that
    month then says the notice on the board is out of date, until it is printed again."""
    last_month = previous_period(books.period)
    report = f"/villages/{books.village.id}/reports?period={last_month}"
    sheet = f"/villages/{books.village.id}/reports/sheet.pdf?period={last_month}"
    assert 'id="sheet-printed"' not in get(as_admin, report).get_data(as_text=True)

    get(as_admin, sheet)
    printed = get(as_admin, report).get_data(as_text=True)
    assert "这个月的公示表已于" in printed
    assert "与账目一致" in printed

    for points in (7, 3):
        ledger.award(
            books.village.id, books.zhao.id, points, category="volunteer", period=last_month,
            posted_by_id=books.admin.user_id,
        )  # fmt: skip
    out_of_date = get(as_admin, report).get_data(as_text=True)
    assert "打印以后，这个月又记了 2 笔积分" in out_of_date
    assert "与账目一致" not in out_of_date

    get(as_admin, sheet)
    assert "与账目一致" in get(as_admin, report).get_data(as_text=True)
    this_month = get(as_admin, f"/villages/{books.village.id}/reports?period={books.period}")
    assert 'id="sheet-printed"' not in this_month.get_data(as_text=True)  # a draft


def test_the_report_page_defaults_to_this_month(as_admin, books):
    html = get(as_admin, f"/villages/{books.village.id}/reports").get_data(as_text=True)
    assert f'value="{books.period}"' in html


def test_the_report_links_no_month_the_app_does_not_reckon_with(as_admin, books):
    first = get(as_admin, f"/villages/{books.village.id}/reports?period=2000-01")
    last = get(as_admin, f"/villages/{books.village.id}/reports?period=9999-11")

    assert "period=1999-12" not in first.get_data(as_text=True)
    assert "period=2000-02" in first.get_data(as_text=True)
    assert "period=9999-12" not in last.get_data(as_text=True)
    assert "period=9999-10" in last.get_data(as_text=True)


def test_the_exports_page_links_every_export(as_admin, books):
    html = get(as_admin, f"/villages/{books.village.id}/exports?period={books.period}").get_data(
        as_text=True
    )
    for name in ("households", "transfers", "redemptions", "settlements"):
        for fmt in ("csv", "xlsx"):
            assert f"/villages/{books.village.id}/exports/{name}.{fmt}" in html
    assert f"transfers.csv?period={books.period}" in html


def test_figures_below_zero_carry_a_real_minus_sign_on_the_page_and_stay_numbers_in_files(
    client, make
):
    # Deductions outweigh awards: the households hold -30 points (-15.00 yuan). The report
    # wrote -30 and -15.00 with a hyphen where every other page writes −30 (a real minus).
    village = make.village(yuan_per_point=Decimal("0.50"))
    household = make.household(village)
    admin = make.staff("admin", village)
    ledger.deduct(village.id, household.id, 30, category="black")
    period = current_period(village.timezone)
    sign_in(client, admin)

    page = get(client, f"/villages/{village.id}/reports?period={period}").get_data(as_text=True)
    summary = get(client, f"/villages/{village.id}/reports/summary.csv?period={period}")

    assert ">\u221230<" in page
    assert ">\u221215.00<" in page
    assert not re.search(r">-\d", page)
    assert "-30,-15.00" in summary.get_data(as_text=True)  # the file keeps plain numbers
