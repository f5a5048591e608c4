"""regions: counties and townships above the villages, and the staff roles over them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

* ``regions``: a county (no parent) or a township (under a county), with the county's levels
  for two of the dashboard's flags.
* ``villages.region_id``: the village's township, NULL for every village made before.
  A plain ``ADD COLUMN ... REFERENCES`` on both databases (no rebuild of ``villages``, which
  many tables reference).
* ``role_assignments``: ``region_id`` and the roles ``county_admin`` and ``township_admin``.
  The table's CHECK constraints change; nothing references this table, so SQLite rebuilds it
  (batch mode, from its 0001 definition) and PostgreSQL alters the constraints in place.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OLD_ROLE_KNOWN = "role IN ('admin', 'leader', 'shopkeeper')"
NEW_ROLE_KNOWN = "role IN ('admin', 'leader', 'shopkeeper', 'county_admin', 'township_admin')"
OLD_VILLAGE_REQUIRED = "role = 'admin' OR village_id IS NOT NULL"
NEW_VILLAGE_REQUIRED = (
    "role IN ('admin', 'county_admin', 'township_admin') OR village_id IS NOT NULL"
)
REGION_IFF_REGION_ROLE = "(role IN ('county_admin', 'township_admin')) = (region_id IS NOT NULL)"
REGION_OR_VILLAGE = "region_id IS NULL OR village_id IS NULL"


def _role_assignments_0001(metadata: sa.MetaData, *, with_region: bool) -> sa.Table:
    """``role_assignments`` as the database holds it before (or, downgrading, after) this."""
    columns = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("shop_id", sa.Integer(), nullable=True),
    ]
    constraints = [
        sa.CheckConstraint(
            "(role = 'shopkeeper') = (shop_id IS NOT NULL)",
            name="ck_role_assignments_shop_iff_keeper",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name="fk_role_assignments_shop_id_shops"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_role_assignments_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name="fk_role_assignments_village_id_villages"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_role_assignments"),
    ]
    if with_region:
        columns.append(sa.Column("region_id", sa.Integer(), nullable=True))
        constraints += [
            sa.CheckConstraint(NEW_ROLE_KNOWN, name="ck_role_assignments_role_known"),
            sa.CheckConstraint(NEW_VILLAGE_REQUIRED, name="ck_role_assignments_village_required"),
            sa.CheckConstraint(
                REGION_IFF_REGION_ROLE, name="ck_role_assignments_region_iff_region_role"
            ),
            sa.CheckConstraint(REGION_OR_VILLAGE, name="ck_role_assignments_region_or_village"),
            sa.ForeignKeyConstraint(
                ["region_id"], ["regions.id"], name="fk_role_assignments_region_id_regions"
            ),
        ]
    else:
        constraints += [
            sa.CheckConstraint(OLD_ROLE_KNOWN, name="ck_role_assignments_role_known"),
            sa.CheckConstraint(OLD_VILLAGE_REQUIRED, name="ck_role_assignments_village_required"),
        ]
    indexes = [
        sa.Index("ix_role_assignments_user_id", "user_id"),
        sa.Index("ix_role_assignments_village_id", "village_id"),
    ]
    if with_region:
        indexes.append(sa.Index("ix_role_assignments_region_id", "region_id"))
    return sa.Table("role_assignments", metadata, *columns, *constraints, *indexes)


def upgrade():
    op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("top3_share_limit", sa.Integer(), server_default="50", nullable=False),
        sa.Column("reversal_rate_limit", sa.Integer(), server_default="10", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("level IN ('county', 'township')", name=op.f("ck_regions_level_known")),
        sa.CheckConstraint(
            "(level = 'county') = (parent_id IS NULL)", name=op.f("ck_regions_parent_iff_township")
        ),
        sa.CheckConstraint(
            "top3_share_limit BETWEEN 1 AND 100", name=op.f("ck_regions_top3_share_limit_range")
        ),
        sa.CheckConstraint(
            "reversal_rate_limit BETWEEN 1 AND 100",
            name=op.f("ck_regions_reversal_rate_limit_range"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["regions.id"], name=op.f("fk_regions_parent_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("parent_id", "name", name=op.f("uq_regions_parent_id_name")),
    )
    op.create_index(op.f("ix_regions_parent_id"), "regions", ["parent_id"], unique=False)

    op.execute(
        "ALTER TABLE villages ADD COLUMN region_id INTEGER "
        "CONSTRAINT fk_villages_region_id_regions REFERENCES regions (id)"
    )
    op.create_index(op.f("ix_villages_region_id"), "villages", ["region_id"], unique=False)

    old = _role_assignments_0001(sa.MetaData(), with_region=False)
    with op.batch_alter_table("role_assignments", copy_from=old) as batch_op:
        batch_op.add_column(sa.Column("region_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_role_assignments_role_known"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_role_assignments_village_required"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_role_assignments_role_known"), NEW_ROLE_KNOWN
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_role_assignments_village_required"), NEW_VILLAGE_REQUIRED
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_role_assignments_region_iff_region_role"), REGION_IFF_REGION_ROLE
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_role_assignments_region_or_village"), REGION_OR_VILLAGE
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_role_assignments_region_id_regions"), "regions", ["region_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_role_assignments_region_id"), ["region_id"], unique=False
        )


def downgrade():
    bind = op.get_bind()
    held = bind.execute(
        sa.text("SELECT count(*) FROM role_assignments WHERE region_id IS NOT NULL")
    ).scalar_one()
    if held:
        raise RuntimeError("role_assignments: county and township admins exist; remove them first")
    new = _role_assignments_0001(sa.MetaData(), with_region=True)
    with op.batch_alter_table("role_assignments", copy_from=new) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_assignments_region_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_role_assignments_region_id_regions"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("ck_role_assignments_region_or_village"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("ck_role_assignments_region_iff_region_role"), type_="check"
        )
        batch_op.drop_constraint(batch_op.f("ck_role_assignments_village_required"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_role_assignments_role_known"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_role_assignments_role_known"), OLD_ROLE_KNOWN
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_role_assignments_village_required"), OLD_VILLAGE_REQUIRED
        )
        batch_op.drop_column("region_id")
    op.drop_index(op.f("ix_villages_region_id"), table_name="villages")
    # Both databases drop a column together with its own column constraint.
    op.execute("ALTER TABLE villages DROP COLUMN region_id")
    op.drop_index(op.f("ix_regions_parent_id"), table_name="regions")
    op.drop_table("regions")
