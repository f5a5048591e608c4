"""transfers: the kind "expire" for year-end clearing (年底清零)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22

Year-end clearing posts household -> the village's ``expired`` account with the new transfer
kind ``expire``, so the ``kind_known`` CHECK of ``transfers`` must allow it.

PostgreSQL: the constraint is dropped and added again (adding it checks the existing rows;
no row is updated, so the append-only triggers are not involved).

SQLite cannot alter a CHECK constraint, and the usual table rebuild does not fit this table:
other tables reference ``transfers.id`` and ``PRAGMA foreign_keys`` cannot be turned off
inside the migration's transaction, so dropping the old table fails its foreign keys; a
rebuild would also have to recreate the append-only triggers of 0002 and 0006. Instead this
uses the procedure the SQLite documentation gives for changes that leave the stored rows
valid as they are ("Making Other Kinds Of Table Schema Changes", which names changing CHECK
constraints): within the transaction, with ``PRAGMA writable_schema``, the table's CREATE
statement in ``sqlite_schema`` gets the one extra value in its ``kind IN (...)`` list, and
``schema_version`` is incremented so every connection reloads the schema. Adding an allowed
value only widens the constraint, so every existing row still satisfies it; the triggers,
indexes and rows are untouched, and ``PRAGMA quick_check`` must still pass.

Downgrade refuses while any ``expire`` transfer exists (the ledger is append-only: they
cannot be removed), and otherwise narrows the list again the same way.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_transfers_kind_known"
OLD = "kind IN ('award', 'deduct', 'redeem', 'settle')"
NEW = "kind IN ('award', 'deduct', 'redeem', 'settle', 'expire')"


def _rewrite_sqlite_check(bind, before: str, after: str) -> None:
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'transfers'"
    ).scalar_one()
    if sql.count(before) != 1:
        raise RuntimeError(f"transfers: expected the CHECK text {before!r} once in {sql!r}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'transfers'",
            (sql.replace(before, after),),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    result = bind.exec_driver_sql("PRAGMA quick_check").scalar_one()
    if result != "ok":
        raise RuntimeError(f"transfers: quick_check after the CHECK change says {result}")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rewrite_sqlite_check(bind, OLD, NEW)
    else:
        op.drop_constraint(op.f(CONSTRAINT), "transfers", type_="check")
        op.create_check_constraint(op.f(CONSTRAINT), "transfers", sa.text(NEW))


def downgrade():
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT 1 FROM transfers WHERE kind = 'expire' LIMIT 1").first():
        raise RuntimeError("transfers of kind 'expire' exist; the ledger cannot drop them")
    if bind.dialect.name == "sqlite":
        _rewrite_sqlite_check(bind, NEW, OLD)
    else:
        op.drop_constraint(op.f(CONSTRAINT), "transfers", type_="check")
        op.create_check_constraint(op.f(CONSTRAINT), "transfers", sa.text(OLD))
