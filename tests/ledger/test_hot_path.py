"""Posting a transfer and reading a balance stay a handful of indexed statements, however long
the ledger grows: no object graphs, no scans of the transfers table."""

from __future__ import annotations

import contextlib
import re

import pytest
from sqlalchemy import event

from pointsmart.extensions import db
from pointsmart.ledger import service as ledger


@contextlib.contextmanager
def recorded_statements():
    statements: list[str] = []
    connection = db.session.connection()

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


def reads_of_transfers(statements):
    return [s for s in statements if re.search(r"\bFROM transfers\b", s)]


@pytest.fixture
def busy_household(make):
    village = make.village()
    household = make.household(village)
    shop = make.shop(village)
    for _ in range(30):
        make.award(household, 5)
    return village, household, shop


def test_posting_a_redemption_is_a_handful_of_statements(busy_household):
    village, household, shop = busy_household

    with recorded_statements() as statements:
        ledger.redeem(village.id, household.id, shop.id, 7)
        db.session.flush()

    # the household's account, its balance, the month, the shop's account, the chain head, the
    # transfer, the head moved; and the text-message listener's look at the consent
    assert len(statements) <= 8, statements
    assert reads_of_transfers(statements) == []


def test_a_reversal_reads_only_the_transfer_it_reverses(busy_household):
    village, household, _ = busy_household
    award = ledger.award(village.id, household.id, 3, category="red")

    with recorded_statements() as statements:
        ledger.reverse(award.id, reason="误记")
        db.session.flush()

    # 10, the regions' rollup counting the reversal (one upsert into village_months), and
    # an award's look for a year-end clearing after it (the household's transfers from the
    # award on, by the (household_id, seq) index)
    assert len(statements) <= 12, statements
    for statement in reads_of_transfers(statements):
        assert (
            "WHERE transfers.id =" in statement
            or "transfers.reverses_id =" in statement
            or ("transfers_1.household_id =" in statement and "transfers_1.kind =" in statement)
        ), statement


def test_reading_a_household_does_not_scan_the_ledger(busy_household, api, make):
    village, household, _ = busy_household
    admin = make.staff("admin", village)

    with recorded_statements() as statements:
        body = api.get(f"/households/{household.id}", as_=admin)

    assert body["balance"] == 150
    assert reads_of_transfers(statements) == []
    assert len(statements) <= 12, statements


def test_a_transfer_posted_after_a_rolled_back_one_is_answered_as_written(make):
    """SQLite gives a rolled-back transfer's id to the next one; the session must not answer
    with the object it still holds for that id."""
    village = make.village()
    household = make.household(village)
    savepoint = db.session.begin_nested()
    gone = ledger.award(village.id, household.id, 23, category="other")
    gone_id = gone.id
    savepoint.rollback()

    posted = ledger.award(village.id, household.id, 7, category="other")

    assert posted.amount == 7
    assert posted.debit_balance_after == -7 or posted.credit_balance_after == 7
    if posted.id == gone_id:  # SQLite reused the id
        assert posted is gone  # the same identity, refreshed from the row just written
