"""village_months, leader_months and award_days: the rollups the county dashboard's flags read

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

Written in the posting transaction by ``pointsmart.regions.rollups`` (the ledger's listener
hook), for awards and deductions only: a sale writes nothing here. Existing ledgers fill them
with ``flask regions rebuild``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "village_months",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("awards", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deductions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reversals", sa.Integer(), server_default="0", nullable=False),
        sa.Column("split_awards", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_village_months_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("village_id", "period", name=op.f("pk_village_months")),
    )
    op.create_table(
        "leader_months",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("awards", sa.Integer(), server_default="0", nullable=False),
        sa.Column("points", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_leader_months_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_leader_months_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("village_id", "period", "user_id", name=op.f("pk_leader_months")),
    )
    op.create_table(
        "award_days",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("awards", sa.Integer(), server_default="0", nullable=False),
        sa.Column("points", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_award_days_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_award_days_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_award_days_village_id_villages")
        ),
        sa.PrimaryKeyConstraint(
            "village_id", "day", "user_id", "household_id", name=op.f("pk_award_days")
        ),
    )


def downgrade():
    op.drop_table("award_days")
    op.drop_table("leader_months")
    op.drop_table("village_months")
