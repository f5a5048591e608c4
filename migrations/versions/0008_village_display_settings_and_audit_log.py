"""villages: name masking and year-end clearing settings; the audit log

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

Public pages may show 张*明 instead of a full name (``mask_names``); a village may clear its
households' positive balances at the end of each year (``year_end_clearing``). Every change
that is not a ledger transfer is kept in ``audit_log``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no table rebuild on SQLite).
    op.add_column(
        "villages",
        sa.Column("mask_names", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "villages",
        sa.Column("year_end_clearing", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_log_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_audit_log_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_village_id_id", "audit_log", ["village_id", "id"])


def downgrade():
    op.drop_index("ix_audit_log_village_id_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_column("villages", "year_end_clearing")
    op.drop_column("villages", "mask_names")
