"""sheet_prints: when each ended month's 公示 sheet was last printed, and the chain's length then

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04

Written by ``pointsmart.reports.sheet.mark_printed``; the committee report compares it with
the month's transfers to say that a printed notice is out of date. Months printed before
this migration have no row: nothing is said of them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sheet_prints",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("printed_at", sa.DateTime(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_sheet_prints_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("village_id", "period", name=op.f("pk_sheet_prints")),
    )


def downgrade():
    op.drop_table("sheet_prints")
