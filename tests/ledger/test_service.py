"""The ledger service: posting, reversing, refusing."""

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointsmart.errors import NotFound, ValidationFailed
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.errors import (
    AccountClosed,
    AlreadyReversed,
    CannotReverseReversal,
    InsufficientPoints,
    ReversalIntoClosedAccount,
)
from pointsmart.ledger.models import Account, MonthlyTotal, Transfer
from pointsmart.ledger.verify import verify_village


def village_balances(village_id):
    return db.session.execute(
        sa.select(Account.code, Account.balance).where(Account.village_id == village_id)
    ).all()


def test_an_award_moves_points_from_issued_to_the_household(make):
    village = make.village()
    household = make.household(village)

    transfer = ledger.award(village.id, household.id, 12, category="volunteer", memo="清扫")

    balances = dict(village_balances(village.id))
    assert balances[f"household:{household.id}"] == 12
    assert balances["issued"] == -12
    assert sum(balances.values()) == 0
    assert transfer.credit_balance_after == 12
    assert transfer.seq == 1
    assert transfer.prev_hash == "0" * 64


def test_a_deduction_may_take_a_household_below_zero(make):
    village = make.village()
    household = make.household(village)
    make.award(household, 5)

    transfer = ledger.deduct(village.id, household.id, 8, category="black", memo="焚烧秸秆")

    assert transfer.debit_balance_after == -3
    assert ledger.account_balance(village.id, f"household:{household.id}") == -3


def test_a_redemption_never_overdraws(make):
    village = make.village()
    household = make.household(village)
    shop = make.shop(village)
    make.award(household, 10)

    with pytest.raises(InsufficientPoints) as refused:
        ledger.redeem(village.id, household.id, shop.id, 11)

    assert refused.value.extra == {"balance": 10, "needed": 11}
    ledger.redeem(village.id, household.id, shop.id, 10)
    assert ledger.account_balance(village.id, f"household:{household.id}") == 0


def test_a_settlement_moves_a_shops_points_to_settled(make):
    village = make.village()
    household = make.household(village)
    shop = make.shop(village)
    make.award(household, 10)
    ledger.redeem(village.id, household.id, shop.id, 7)

    ledger.settle(village.id, shop.id, 7, period="2026-01")

    balances = dict(village_balances(village.id))
    assert balances[f"shop:{shop.id}"] == 0
    assert balances["settled"] == 7
    with pytest.raises(InsufficientPoints):
        ledger.settle(village.id, shop.id, 1, period="2026-01")


def test_monthly_totals_follow_each_kind_and_reversals_net_out(make):
    village = make.village()
    household = make.household(village)
    shop = make.shop(village)
    award = make.award(household, 20, period="2026-01")
    ledger.deduct(village.id, household.id, 3, category="black", period="2026-01")
    redemption = ledger.redeem(village.id, household.id, shop.id, 5)
    ledger.reverse(award.id, reason="录错了")
    ledger.reverse(redemption.id, reason="退货")

    rows = {
        row.period: (row.earned, row.deducted, row.redeemed)
        for row in db.session.execute(
            sa.select(MonthlyTotal).where(MonthlyTotal.household_id == household.id)
        ).scalars()
    }
    this_month = redemption.period
    assert rows["2026-01"] == (20, 3, 0)
    assert rows[this_month] == (-20, 0, 0)  # the award reversed this month, the sale voided
    assert verify_village(village.id).ok


def test_a_transfer_is_reversed_once_and_a_reversal_not_at_all(make):
    village = make.village()
    household = make.household(village)
    award = make.award(household, 9)

    reversal = ledger.reverse(award.id, reason="重复录入")

    assert reversal.reverses_id == award.id
    assert reversal.debit_account_id == award.credit_account_id
    assert reversal.memo == "重复录入"
    with pytest.raises(AlreadyReversed):
        ledger.reverse(award.id, reason="again")
    with pytest.raises(CannotReverseReversal):
        ledger.reverse(reversal.id, reason="undo the undo")


def test_a_reversal_needs_a_reason_and_an_existing_transfer(make):
    village = make.village()
    household = make.household(village)
    award = make.award(household, 9)

    with pytest.raises(ValidationFailed):
        ledger.reverse(award.id, reason="  ")
    with pytest.raises(NotFound):
        ledger.reverse(10**9, reason="x")
    other = make.village()
    with pytest.raises(NotFound):
        ledger.reverse(award.id, reason="x", village_id=other.id)


@pytest.mark.parametrize(
    ("points", "memo", "period", "field"),
    [
        (0, None, None, "points"),
        (-5, None, None, "points"),
        (2.5, None, None, "points"),
        (True, None, None, "points"),
        (10**7, None, None, "points"),
        (1, "长" * 501, None, "memo"),
        (1, None, "2999-01", "period"),
        (1, None, "2026-13", "period"),
        (1, None, "26-01", "period"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(make, points, memo, period, field):
    village = make.village()
    household = make.household(village)

    with pytest.raises(ValidationFailed) as refused:
        ledger.award(village.id, household.id, points, category="red", memo=memo, period=period)

    assert field in refused.value.errors
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(Transfer).where(Transfer.village_id == village.id)
    ).scalar_one()
    assert count == 0


def test_unknown_category_is_refused(make):
    village = make.village()
    household = make.household(village)
    with pytest.raises(ValidationFailed):
        ledger.award(village.id, household.id, 1, category="bribe")


def test_each_transfer_links_to_the_one_before_in_its_village(make):
    village = make.village()
    other_village = make.village()
    household = make.household(village)
    elsewhere = make.household(other_village)

    first = make.award(household, 1)
    make.award(elsewhere, 1)
    second = make.award(household, 2)

    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1
    assert len({first.hash, second.hash}) == 2


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    posts=st.lists(
        st.tuples(st.sampled_from(["award", "deduct", "redeem"]), st.integers(1, 500)),
        min_size=1,
        max_size=6,
    )
)
def test_nothing_posts_to_a_household_that_moved_away_not_even_a_reversal(make, posts):
    village = make.village()
    household = make.household(village)
    shop = make.shop(village)
    earlier = make.award(household, 40)
    cleared = ledger.deduct(village.id, household.id, 40, category="other", memo="清零")
    assert ledger.close_household_account(village.id, household.id) == 0  # as moving away does
    before = dict(village_balances(village.id))
    count = db.session.execute(sa.select(sa.func.count()).select_from(Transfer)).scalar_one()

    post = {
        "award": lambda points: ledger.award(village.id, household.id, points, category="red"),
        "deduct": lambda points: ledger.deduct(village.id, household.id, points, category="black"),
        "redeem": lambda points: ledger.redeem(village.id, household.id, shop.id, points),
    }
    for kind, points in posts:
        with pytest.raises(AccountClosed):
            post[kind](points)

    after = dict(village_balances(village.id))
    assert after == before
    assert sum(after.values()) == 0
    assert (
        count == db.session.execute(sa.select(sa.func.count()).select_from(Transfer)).scalar_one()
    )
    # Not even a reversal: the account was closed at 0 and stays at 0 (issue 15, item 4).
    for original in (earlier, cleared):
        with pytest.raises(ReversalIntoClosedAccount) as refused:
            ledger.reverse(original.id, reason="记错了")
        assert (refused.value.status, refused.value.code) == (409, "reversal_account_closed")
    assert dict(village_balances(village.id)) == before
    assert verify_village(village.id).ok
