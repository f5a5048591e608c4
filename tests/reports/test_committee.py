"""The committee report: sums checked by hand (see conftest), leader shares, twelve months."""

import datetime as dt
from decimal import Decimal

import pytest

from pointsmart.bookkeeping.clearing import clear_year
from pointsmart.clock import historical
from pointsmart.counter.settlement import settle_month
from pointsmart.errors import Forbidden, ValidationFailed
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.periods import previous_periods
from pointsmart.reports import committee
from pointsmart.reports.committee import share
from pointsmart.reports.exports import export_table
from pointsmart.reports.sheet import monthly_sheet


def test_the_summary_of_the_month_against_the_goods_in_stock(books):
    summary = committee.monthly_summary(books.admin.principal, books.village.id, books.period)

    assert (summary["issued"], summary["deducted"], summary["redeemed"]) == (180, 10, 30)
    assert (summary["settled"], summary["unsettled"]) == (0, 30)
    assert summary["outstanding"] == 140
    assert summary["outstanding_yuan"] == Decimal("70.00")
    assert summary["issued_yuan"] == Decimal("90.00")
    assert summary["redeemed_yuan"] == Decimal("15.00")
    assert summary["stock_points"] == 8 * 15 + 5 * 100
    assert summary["stock_yuan"] == Decimal("310.00")
    assert summary["stock_cover_yuan"] == Decimal("240.00")


def test_points_per_leader_and_how_concentrated_they_are(books):
    shares = committee.leader_shares(books.admin.principal, books.village.id, books.period)

    first, second = shares
    assert first.user_id == books.leader.user_id  # the approved award counts for its proposer
    assert (first.households, first.awards, first.points) == (2, 4, 120)
    assert (first.top_number, first.top_points) == ("XF-002", 70)
    assert first.top_share == Decimal("58.3")
    assert first.top3_share == Decimal("100.0")
    assert second.user_id == books.second_leader.user_id  # the reversed 5 is left out
    assert (second.households, second.awards, second.points) == (1, 2, 60)
    assert second.top_share == second.top3_share == Decimal("100.0")


def test_shares_round_half_up_and_survive_an_empty_whole():
    assert share(1, 3) == Decimal("33.3")
    assert share(2, 3) == Decimal("66.7")
    assert share(1, 8) == Decimal("12.5")
    assert share(0, 0) == Decimal("0.0")


def test_a_month_without_awards_has_no_leaders(books):
    assert committee.leader_shares(books.admin.principal, books.village.id, "2020-01") == []


def test_twelve_months_end_with_the_month_asked_for(books):
    series = committee.month_series(books.admin.principal, books.village.id, books.period)

    assert [m["period"] for m in series] == previous_periods(books.period, 12)
    assert series[-1] == {
        "period": books.period,
        "issued": 180,
        "deducted": 10,
        "redeemed": 30,
        "settled": 0,
        "outstanding": 140,
    }
    assert all(m["issued"] == m["outstanding"] == 0 for m in series[:-1])


def test_the_outstanding_points_carry_over_from_earlier_months(books, make):
    make.award(books.zhao, 7, period=previous_periods(books.period, 2)[0])

    series = committee.month_series(books.admin.principal, books.village.id, books.period)

    assert (series[-2]["issued"], series[-2]["outstanding"]) == (7, 7)
    assert series[-1]["outstanding"] == 147


@pytest.mark.parametrize("who", ["leader", "keeper", "outsider"])
def test_only_the_village_admins_get_the_figures(books, who):
    actor = getattr(books, who).principal
    for report in (committee.monthly_summary, committee.leader_shares, committee.month_series):
        with pytest.raises(Forbidden):
            report(actor, books.village.id, books.period)


def test_a_bad_month_is_refused(books):
    with pytest.raises(ValidationFailed):
        committee.monthly_summary(books.admin.principal, books.village.id, "2026-13")


def test_the_twelve_months_leave_out_the_points_cleared_at_the_year_end(make):
    """What households hold at each month's end drops with the year-end clearing, as their
    balances on the 公示 sheet do."""
    with historical(dt.datetime(2025, 11, 20, 2, tzinfo=dt.UTC)) as clock:
        village = make.village()
        village.year_end_clearing = True
        admin = make.staff("admin", village)
        saver, debtor = make.household(village), make.household(village)
        make.award(saver, 30)
        ledger.deduct(village.id, debtor.id, 4, category="black")
        clock.move_to(dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC))
        clear_year(admin.principal, village.id, 2025)
        clock.move_to(dt.datetime(2026, 2, 2, 2, tzinfo=dt.UTC))
        make.award(debtor, 10)
        db.session.flush()

        series = committee.month_series(admin.principal, village.id, "2026-02")
        held = {m["period"]: m["outstanding"] for m in series}
        assert (held["2025-11"], held["2025-12"], held["2026-01"], held["2026-02"]) == (
            26,
            -4,
            -4,
            6,
        )
        for period in ("2025-11", "2025-12", "2026-02"):
            sheet = monthly_sheet(admin.principal, village.id, period)
            assert sum(h["balance"] for h in sheet.households) == held[period], period
        summary = committee.monthly_summary(admin.principal, village.id, "2026-02")
        assert summary["outstanding"] == held["2026-02"]


def test_the_yuan_settled_are_those_paid_whatever_the_rate_now(make):
    """A settlement pays at the rate of its day; the report shows that sum (as the
    settlements export does), not the points at a rate the village set since."""
    with historical(dt.datetime(2025, 10, 2, 2, tzinfo=dt.UTC)) as clock:
        village = make.village(yuan_per_point=Decimal("0.10"))
        admin = make.staff("admin", village)
        shop = make.shop(village)
        household = make.household(village)
        make.award(household, 40)
        ledger.redeem(village.id, household.id, shop.id, 30)
        clock.move_to(dt.datetime(2025, 11, 3, 2, tzinfo=dt.UTC))
        settle_month(admin.principal, shop.id, "2025-10")
        village.yuan_per_point = Decimal("0.50")
        db.session.flush()

        summary = committee.monthly_summary(admin.principal, village.id, "2025-10")
        paid = export_table(admin.principal, village.id, "settlements", "2025-10")
        assert [row[4] for row in paid.rows()] == [Decimal("3.00")]
        assert (summary["settled"], summary["settled_yuan"]) == (30, Decimal("3.00"))
