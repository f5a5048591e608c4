"""villages: the phone number households call with questions (printed on statement slips)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("villages") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table("villages") as batch:
        batch.drop_column("phone")
