"""a sale's references to its transfer are checked at commit: redemptions.transfer_id and
sms_outbox.transfer_id become DEFERRABLE INITIALLY DEFERRED

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03

A sale now writes its redemption (and a consenting household's text message) naming the
transfer by the id it will have, and the ledger writes the transfer and the village's chain
head when the transaction commits, as its last writes (``pointsmart.ledger.chain``): on
PostgreSQL the head's row lock is then held for three statements and the commit, whatever
else the sale wrote. The two foreign keys are therefore checked at commit, where the
transfer's row exists.

PostgreSQL: ``ALTER TABLE ... ALTER CONSTRAINT ... DEFERRABLE INITIALLY DEFERRED`` (no table
rewrite). SQLite cannot alter a constraint, and a table rebuild would fail the foreign keys of
the rows that reference redemptions (see 0009); as in 0011, the table's CREATE statement in
``sqlite_schema`` is edited within the transaction under ``PRAGMA writable_schema`` (checking
a reference at commit instead of at once accepts no row the table did not accept before),
``schema_version`` is incremented and ``PRAGMA quick_check`` must pass.
"""

import re

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

CONSTRAINTS = {
    "redemptions": "fk_redemptions_transfer_id_transfers",
    "sms_outbox": "fk_sms_outbox_transfer_id_transfers",
}
DEFERRED = " DEFERRABLE INITIALLY DEFERRED"


def _rewrite_sqlite_constraint(bind, table: str, name: str, *, deferred: bool) -> None:
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    clause = re.escape(f"CONSTRAINT {name} FOREIGN KEY(transfer_id) REFERENCES transfers (id)")
    if deferred:
        sql, found = re.subn(rf"({clause})(?!{re.escape(DEFERRED)})", rf"\g<1>{DEFERRED}", sql)
    else:
        sql, found = re.subn(rf"({clause}){re.escape(DEFERRED)}", r"\g<1>", sql)
    if found != 1:
        raise RuntimeError(f"{table}: expected the constraint {name} once in {sql!r}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table)
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    result = bind.exec_driver_sql("PRAGMA quick_check").scalar_one()
    if result != "ok":
        raise RuntimeError(f"{table}: quick_check after the change says {result}")


def _change(*, deferred: bool) -> None:
    bind = op.get_bind()
    for table, name in CONSTRAINTS.items():
        if bind.dialect.name == "sqlite":
            _rewrite_sqlite_constraint(bind, table, name, deferred=deferred)
        else:
            mode = "DEFERRABLE INITIALLY DEFERRED" if deferred else "NOT DEFERRABLE"
            op.execute(f"ALTER TABLE {table} ALTER CONSTRAINT {name} {mode}")


def upgrade():
    _change(deferred=True)


def downgrade():
    _change(deferred=False)
