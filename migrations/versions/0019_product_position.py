"""products: the shop's own place for goods in the counter's list

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER TABLE on both databases (a nullable column needs no table rebuild, and
    # a batch rebuild of ``products`` would drop a table that others reference).
    op.add_column("products", sa.Column("position", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("products", "position")
