"""Transfers are append-only for every client of the database, not only for the app."""

import pytest
import sqlalchemy as sa

from pointsmart.extensions import db
from pointsmart.ledger.models import Transfer


def raw(statement: str, **params):
    with db.session.begin_nested():
        db.session.execute(sa.text(statement), params)


@pytest.fixture
def transfer(make):
    village = make.village()
    household = make.household(village)
    return make.award(household, 10)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE transfers SET amount = 1000 WHERE id = :id",
        "UPDATE transfers SET memo = 'edited' WHERE id = :id",
        "DELETE FROM transfers WHERE id = :id",
    ],
)
def test_a_raw_update_or_delete_of_a_transfer_is_refused(transfer, statement):
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        raw(statement, id=transfer.id)

    amount = db.session.execute(
        sa.select(Transfer.amount).where(Transfer.id == transfer.id)
    ).scalar_one()
    assert amount == 10


def test_truncate_is_refused_on_postgresql(transfer):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE statement")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        raw("TRUNCATE transfers CASCADE")


def test_an_insert_or_replace_cannot_rewrite_a_transfer_on_sqlite(transfer):
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("REPLACE is SQLite's; PostgreSQL's upsert is an UPDATE, refused above")
    columns = [c.name for c in Transfer.__table__.columns]
    copy = ", ".join("1000" if name == "amount" else name for name in columns)

    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        raw(
            f"INSERT OR REPLACE INTO transfers ({', '.join(columns)}) "
            f"SELECT {copy} FROM transfers WHERE id = :id",
            id=transfer.id,
        )

    amount = db.session.execute(
        sa.select(Transfer.amount).where(Transfer.id == transfer.id)
    ).scalar_one()
    assert amount == 10
