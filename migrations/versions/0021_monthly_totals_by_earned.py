"""the county dashboard's speed: monthly_totals' village-and-month index orders by points
earned; village_months keeps the points issued and deducted

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03

``ix_monthly_totals_village_id_period`` becomes ``(village_id, period, earned)``: it serves
every query the old one served (its first two columns), and the county dashboard reads each
village's top three households of a month from it with three index probes per village
instead of sorting the county's month.

``village_months.points_issued`` / ``points_deducted``: the village's sums of the households'
monthly earned and deducted, so the dashboard's twelve months read one row per village and
month. ``flask regions rebuild`` fills them for what was posted before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    for column in ("points_issued", "points_deducted"):
        op.add_column(
            "village_months",
            sa.Column(column, sa.BigInteger(), server_default="0", nullable=False),
        )
    op.create_index(
        "ix_monthly_totals_village_id_period_earned",
        "monthly_totals",
        ["village_id", "period", "earned"],
        unique=False,
    )
    op.drop_index("ix_monthly_totals_village_id_period", table_name="monthly_totals")


def downgrade():
    with op.batch_alter_table("village_months") as batch_op:
        batch_op.drop_column("points_deducted")
        batch_op.drop_column("points_issued")
    op.create_index(
        "ix_monthly_totals_village_id_period",
        "monthly_totals",
        ["village_id", "period"],
        unique=False,
    )
    op.drop_index("ix_monthly_totals_village_id_period_earned", table_name="monthly_totals")
