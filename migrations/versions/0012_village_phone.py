"""villages: the phone number households call with questions (printed on statement slips)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER TABLE on both databases: a batch rebuild of ``villages`` would drop the
    # table that every other table references (SQLite cannot turn foreign keys off here).
    op.add_column("villages", sa.Column("phone", sa.String(length=30), nullable=True))


def downgrade():
    op.drop_column("villages", "phone")
