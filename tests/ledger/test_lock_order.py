"""Two of a village's own accounts (a shop's, the settled or issued account) are locked in
the order of their codes by every posting between them, whichever is debited: a settlement
and a settlement's reversal, or a write-off and its reversal, made at the same moment, wait
for each other instead of deadlocking."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import ISSUED, SETTLED, WRITE_OFF


@contextlib.contextmanager
def accounts_locked():
    """The codes of the accounts the statements lock (or read first), in order."""
    codes: list[str] = []
    connection = db.session.connection()

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().startswith("SELECT accounts.id"):
            return
        values = parameters.values() if isinstance(parameters, dict) else parameters
        codes.extend(v for v in values if isinstance(v, str) and not v.isdigit())

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield codes
    finally:
        event.remove(connection, "before_cursor_execute", record)


@pytest.fixture
def shop_with_points(make):
    village = make.village()
    household, shop = make.household(village), make.shop(village)
    make.award(household, 100)
    ledger.redeem(village.id, household.id, shop.id, 60)
    return village, shop


def test_a_settlement_and_its_reversal_lock_the_two_accounts_in_one_order(shop_with_points):
    village, shop = shop_with_points

    with accounts_locked() as settling:
        settlement = ledger.settle(village.id, shop.id, 60)
    with accounts_locked() as reversing:
        ledger.reverse(settlement.id, reason="付错了")

    assert settling == [SETTLED, ledger.shop_code(shop.id)]
    assert reversing[:1] == [SETTLED]  # the shop's account is then moved in place


def test_a_write_off_and_its_reversal_lock_the_two_accounts_in_one_order(shop_with_points):
    village, shop = shop_with_points

    with accounts_locked() as writing_off:
        written_off = ledger.post(WRITE_OFF, village.id, 40, shop_id=shop.id)
    with accounts_locked() as reversing:
        ledger.reverse(written_off.id, reason="记错了")

    assert writing_off[:1] == [ISSUED]
    assert reversing == [ISSUED, ledger.shop_code(shop.id)]
