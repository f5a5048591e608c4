"""The chain at commit: a sale's transfer and its village's head are written when the
transaction commits, after everything else it wrote, once, in the order of the postings, and
never for a savepoint that was rolled back."""

from __future__ import annotations

import sqlalchemy as sa

from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import AWARD, REDEEM, Transfer
from pointsmart.ledger.verify import verify_village


def transfers_of(village) -> list[tuple[str, int]]:
    return [
        (kind, amount)
        for kind, amount in db.session.execute(
            sa.select(Transfer.kind, Transfer.amount)
            .where(Transfer.village_id == village.id)
            .order_by(Transfer.seq)
        )
    ]


def a_household_with_100_points(make):
    village = make.village()
    household, shop = make.household(village), make.shop(village)
    make.award(household, 100)
    return village, household, shop


def sell(village, household, shop, points):
    return ledger.redeem(village.id, household.id, shop.id, points, at_commit=True)


def test_a_sales_transfer_is_written_when_its_transaction_commits(make):
    village, household, shop = a_household_with_100_points(make)

    pending = sell(village, household, shop, 30)

    assert pending.debit_balance_after == 70
    assert transfers_of(village) == [(AWARD, 100)]
    db.session.commit()
    written = db.session.get(Transfer, pending.id)
    assert (written.kind, written.amount, written.seq) == (REDEEM, 30, 2)
    assert verify_village(village.id).ok


def test_releasing_a_savepoint_leaves_the_transfer_for_the_commit(make):
    village, household, shop = a_household_with_100_points(make)

    savepoint = db.session.begin_nested()
    sell(village, household, shop, 30)
    savepoint.commit()

    assert transfers_of(village) == [(AWARD, 100)]
    db.session.commit()
    assert transfers_of(village) == [(AWARD, 100), (REDEEM, 30)]


def test_a_rolled_back_savepoint_that_wrote_a_pending_sale_gives_it_back_to_the_commit(make):
    """The sale is made outside the savepoint; a posting written at once inside it writes the
    sale's transfer first; the savepoint rolls back: the sale's transfer waits again."""
    village = make.village()
    household, other, shop = make.household(village), make.household(village), make.shop(village)
    make.award(household, 100)
    pending = sell(village, household, shop, 30)

    savepoint = db.session.begin_nested()
    ledger.award(village.id, other.id, 5, category="other")
    assert transfers_of(village) == [(AWARD, 100), (REDEEM, 30), (AWARD, 5)]
    savepoint.rollback()
    ledger.award(village.id, other.id, 7, category="other")
    db.session.commit()

    assert transfers_of(village) == [(AWARD, 100), (REDEEM, 30), (AWARD, 7)]
    assert db.session.get(Transfer, pending.id).kind == REDEEM
    report = verify_village(village.id)
    assert report.ok, report.problems


def test_a_savepoint_rolled_back_after_its_own_sale_writes_nothing(make):
    village, household, shop = a_household_with_100_points(make)

    savepoint = db.session.begin_nested()
    sell(village, household, shop, 30)
    savepoint.rollback()
    db.session.commit()

    assert transfers_of(village) == [(AWARD, 100)]
    assert ledger.account_balance(village.id, f"household:{household.id}") == 100
    assert verify_village(village.id).ok


def test_two_villages_sales_are_chained_each_in_its_own_village(make):
    one, two = make.village(), make.village()
    first, second = make.household(one), make.household(two)
    shops = make.shop(one), make.shop(two)
    make.award(first, 50)
    make.award(second, 50)

    sell(two, second, shops[1], 20)
    sell(one, first, shops[0], 10)
    sell(two, second, shops[1], 5)
    db.session.commit()

    assert transfers_of(one) == [(AWARD, 50), (REDEEM, 10)]
    assert transfers_of(two) == [(AWARD, 50), (REDEEM, 20), (REDEEM, 5)]
    assert verify_village(one.id).ok
    assert verify_village(two.id).ok


def test_a_sales_shop_account_moves_at_commit_and_each_transfer_records_its_balance(make):
    """The shop's account, which every sale of the shop moves, is moved with the chain at
    commit: until then it keeps its balance; then each sale of the transaction records the
    shop's balance after it, in the order they were made."""
    village = make.village()
    household, other, shop = make.household(village), make.household(village), make.shop(village)
    make.award(household, 100)
    make.award(other, 100)
    shop_account = ledger.shop_code(shop.id)

    first = sell(village, household, shop, 30)
    second = sell(village, other, shop, 12)

    assert (first.credit_account_id, first.credit_balance_after) == (None, None)
    assert ledger.account_balance(village.id, shop_account) == 0
    db.session.commit()
    assert ledger.account_balance(village.id, shop_account) == 42
    assert [
        (t.debit_balance_after, t.credit_balance_after)
        for t in (db.session.get(Transfer, first.id), db.session.get(Transfer, second.id))
    ] == [(70, 30), (88, 42)]
    report = verify_village(village.id)
    assert report.ok, report.problems


def test_a_posting_written_at_once_finds_the_shop_moved_by_the_sales_before_it(make):
    """A settlement reads the shop's balance: the sales waiting for the commit are written,
    and the shop's account moved, before it reads it."""
    village, household, shop = a_household_with_100_points(make)
    sell(village, household, shop, 30)

    settled = ledger.settle(village.id, shop.id, 30)

    assert settled.debit_balance_after == 0
    db.session.commit()
    assert transfers_of(village) == [(AWARD, 100), (REDEEM, 30), ("settle", 30)]
    report = verify_village(village.id)
    assert report.ok, report.problems
