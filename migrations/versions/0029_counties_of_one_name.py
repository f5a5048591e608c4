"""regions: no two counties of one name

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05

A region's name is unique among its siblings (``uq_regions_parent_id_name``), but counties
have no parent and NULLs are never equal in a unique constraint: two counties of one name,
created at once, were both kept. A unique index on the names of regions without a parent
holds them apart. Should two counties already share a name, every one but the first made
gets its id after its name (``某县 (7)``) for the global admin to rename.
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    regions = sa.table(
        "regions",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("parent_id", sa.Integer),
    )
    connection = op.get_bind()
    seen = set()
    for region_id, name in connection.execute(
        sa.select(regions.c.id, regions.c.name)
        .where(regions.c.parent_id.is_(None))
        .order_by(regions.c.id)
    ).all():
        if name in seen:
            connection.execute(
                regions.update()
                .where(regions.c.id == region_id)
                .values(name=f"{name[:90]} ({region_id})")
            )
        seen.add(name)
    op.create_index(
        "uq_regions_name",
        "regions",
        ["name"],
        unique=True,
        sqlite_where=sa.text("parent_id IS NULL"),
        postgresql_where=sa.text("parent_id IS NULL"),
    )


def downgrade():
    op.drop_index("uq_regions_name", table_name="regions")
