"""redemptions: transfer_id and balance_after may be NULL until the sale's transfer is posted

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

A sale now writes its redemption row, lines and stock moves first and the ledger's transfer
last (the village's chain head is held only for the transfer and the head), then fills in the
redemption's ``transfer_id`` and ``balance_after`` in the same transaction. The columns must
therefore accept NULL for that moment; ``counter.sales`` never commits a redemption without
them (a sale that fails after its redemption row rolls the row back with everything else).

PostgreSQL: ``ALTER COLUMN ... DROP NOT NULL``. SQLite cannot alter a column, and a table
rebuild would fail the foreign keys of the rows that reference redemptions (see 0009); as in
0009, the table's CREATE statement in ``sqlite_schema`` is edited within the transaction under
``PRAGMA writable_schema`` (dropping NOT NULL only widens what the table accepts, so every
stored row stays valid), ``schema_version`` is incremented and ``PRAGMA quick_check`` must
pass. Downgrade puts NOT NULL back (refused while a row has NULL there).
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = {"transfer_id": "INTEGER", "balance_after": "BIGINT"}
POSTGRES_TYPES = {"transfer_id": sa.BigInteger(), "balance_after": sa.BigInteger()}


def _rewrite_sqlite_columns(bind, *, nullable: bool) -> None:
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'redemptions'"
    ).scalar_one()
    for column, type_ in COLUMNS.items():
        before, after = f"{column} {type_} NOT NULL,", f"{column} {type_},"
        if nullable:
            pattern = re.compile(rf"(?m)^(\s+){re.escape(before)}")
            replacement = rf"\g<1>{after}"
        else:
            pattern = re.compile(rf"(?m)^(\s+){re.escape(after)}")
            replacement = rf"\g<1>{before}"
        sql, found = pattern.subn(replacement, sql)
        if found != 1:
            raise RuntimeError(f"redemptions: expected the column {column} once in {sql!r}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'redemptions'",
            (sql,),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    result = bind.exec_driver_sql("PRAGMA quick_check").scalar_one()
    if result != "ok":
        raise RuntimeError(f"redemptions: quick_check after the change says {result}")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rewrite_sqlite_columns(bind, nullable=True)
    else:
        for column, type_ in POSTGRES_TYPES.items():
            op.alter_column("redemptions", column, existing_type=type_, nullable=True)


def downgrade():
    bind = op.get_bind()
    if bind.exec_driver_sql(
        "SELECT 1 FROM redemptions WHERE transfer_id IS NULL OR balance_after IS NULL LIMIT 1"
    ).first():
        raise RuntimeError("a redemption without its transfer exists; post or remove it first")
    if bind.dialect.name == "sqlite":
        _rewrite_sqlite_columns(bind, nullable=False)
    else:
        for column, type_ in POSTGRES_TYPES.items():
            op.alter_column("redemptions", column, existing_type=type_, nullable=False)
