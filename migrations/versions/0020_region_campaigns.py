"""campaigns of a township or county: campaigns.region_id and points

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03

A campaign belongs to a village (village_id, rule_id) or to a region (region_id, points): see
``pointsmart/campaigns/models.py``. village_id and rule_id become nullable; existing rows are
village campaigns and satisfy the new check as they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

VILLAGE_OR_REGION = (
    "(village_id IS NOT NULL AND region_id IS NULL AND rule_id IS NOT NULL"
    " AND points IS NULL) OR (village_id IS NULL AND region_id IS NOT NULL"
    " AND rule_id IS NULL AND points > 0)"
)


def upgrade():
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("points", sa.Integer(), nullable=True))
        batch_op.alter_column("village_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("rule_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_campaigns_region_id_regions"), "regions", ["region_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_campaigns_region_id"), ["region_id"], unique=False)
        batch_op.create_check_constraint(
            batch_op.f("ck_campaigns_village_or_region"), VILLAGE_OR_REGION
        )


def downgrade():
    bind = op.get_bind()
    held = bind.execute(
        sa.text("SELECT count(*) FROM campaigns WHERE region_id IS NOT NULL")
    ).scalar_one()
    if held:
        raise RuntimeError("campaigns: township or county campaigns exist; remove them first")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_campaigns_village_or_region"), type_="check")
        batch_op.drop_index(batch_op.f("ix_campaigns_region_id"))
        batch_op.drop_constraint(batch_op.f("fk_campaigns_region_id_regions"), type_="foreignkey")
        batch_op.alter_column("rule_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("village_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("points")
        batch_op.drop_column("region_id")
