"""accounts: closed_at, the moment a household's account was closed (moved away)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

A posting locks the account that decides it first and reads whether it is closed from that
same row, so closing and posting cannot pass each other (the household's ``status`` lives on
another row, which the posting does not lock). Accounts of households that have moved away
already are closed as of now; accounts are caches, not ledger rows, so they may be updated.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("accounts", sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE accounts SET closed_at = CURRENT_TIMESTAMP WHERE household_id IN "
        "(SELECT id FROM households WHERE status <> 'active')"
    )


def downgrade():
    # Plain ALTER TABLE on both databases (SQLite 3.35 and later drop a column in place): a
    # rebuild of accounts would fail the foreign keys of the transfers that name it.
    op.execute("ALTER TABLE accounts DROP COLUMN closed_at")
