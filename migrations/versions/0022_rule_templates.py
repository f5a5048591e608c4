"""county rule templates (积分细则模板), villages' adoptions, and the range on rule versions

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03

* ``rule_templates``, ``rule_template_versions`` (one draft per template: a partial unique
  index), ``rule_template_entries``, ``rule_template_adoptions``,
  ``rule_template_adopted_entries`` and ``rule_template_rules``: see
  ``pointsmart/rule_templates/models.py``.
* ``rule_versions.points_min`` / ``points_max``: the county's range a version's points stay
  in (NULL for a village's own rule). A plain ``ADD COLUMN`` on both databases. PostgreSQL
  adds the CHECK ``ck_rule_versions_points_in_range`` in place; SQLite cannot add a table
  CHECK without rebuilding ``rule_versions``, which the append-only ``transfers`` reference,
  so there a trigger refuses an inserted row that breaks it (rows are never updated).
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

POINTS_IN_RANGE = (
    "(points_min IS NULL AND points_max IS NULL) OR "
    "(points_min <= points AND points <= points_max AND (points_min > 0 OR points_max < 0))"
)
CATEGORY_KNOWN = "category IN ('volunteer', 'red', 'black', 'rule', 'other')"
UNIT_KNOWN = "unit IN ('each', 'hour')"


def upgrade():
    op.add_column("rule_versions", sa.Column("points_min", sa.Integer(), nullable=True))
    op.add_column("rule_versions", sa.Column("points_max", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.create_check_constraint(
            "ck_rule_versions_points_in_range", "rule_versions", POINTS_IN_RANGE
        )
    else:
        op.execute(
            "CREATE TRIGGER rule_versions_points_in_range BEFORE INSERT ON rule_versions "
            f"WHEN NOT ({POINTS_IN_RANGE.replace('points', 'NEW.points')}) "
            "BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: "
            "ck_rule_versions_points_in_range'); END"
        )

    op.create_table(
        "rule_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_rule_templates_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_rule_templates_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_templates")),
    )
    op.create_index(op.f("ix_rule_templates_region_id"), "rule_templates", ["region_id"])

    op.create_table(
        "rule_template_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "number IS NULL OR number > 0", name=op.f("ck_rule_template_versions_number_positive")
        ),
        sa.CheckConstraint(
            "(number IS NULL) = (published_at IS NULL)",
            name=op.f("ck_rule_template_versions_numbered_iff_published"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_rule_template_versions_published_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["rule_templates.id"],
            name=op.f("fk_rule_template_versions_template_id_rule_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_template_versions")),
        sa.UniqueConstraint(
            "template_id", "number", name=op.f("uq_rule_template_versions_template_id_number")
        ),
    )
    op.create_index(
        op.f("ix_rule_template_versions_template_id"), "rule_template_versions", ["template_id"]
    )
    op.create_index(
        "uq_rule_template_versions_one_draft",
        "rule_template_versions",
        ["template_id"],
        unique=True,
        sqlite_where=sa.text("number IS NULL"),
        postgresql_where=sa.text("number IS NULL"),
    )

    op.create_table(
        "rule_template_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("points_min", sa.Integer(), nullable=False),
        sa.Column("points_max", sa.Integer(), nullable=False),
        sa.Column("monthly_cap", sa.Integer(), nullable=True),
        sa.CheckConstraint(CATEGORY_KNOWN, name=op.f("ck_rule_template_entries_category_known")),
        sa.CheckConstraint(UNIT_KNOWN, name=op.f("ck_rule_template_entries_unit_known")),
        sa.CheckConstraint("points <> 0", name=op.f("ck_rule_template_entries_points_not_zero")),
        sa.CheckConstraint(
            "points_min <= points AND points <= points_max AND (points_min > 0 OR points_max < 0)",
            name=op.f("ck_rule_template_entries_points_in_range"),
        ),
        sa.CheckConstraint(
            "monthly_cap IS NULL OR monthly_cap > 0",
            name=op.f("ck_rule_template_entries_monthly_cap_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["rule_template_versions.id"],
            name=op.f("fk_rule_template_entries_version_id_rule_template_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_template_entries")),
        sa.UniqueConstraint(
            "version_id", "code", name=op.f("uq_rule_template_entries_version_id_code")
        ),
    )
    op.create_index(
        op.f("ix_rule_template_entries_version_id"), "rule_template_entries", ["version_id"]
    )

    op.create_table(
        "rule_template_adoptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("adopted_by_id", sa.Integer(), nullable=True),
        sa.Column("adopted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adopted_by_id"],
            ["users.id"],
            name=op.f("fk_rule_template_adoptions_adopted_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["rule_templates.id"],
            name=op.f("fk_rule_template_adoptions_template_id_rule_templates"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["rule_template_versions.id"],
            name=op.f("fk_rule_template_adoptions_version_id_rule_template_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_rule_template_adoptions_village_id_villages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_template_adoptions")),
    )
    op.create_index(
        "ix_rule_template_adoptions_village_id",
        "rule_template_adoptions",
        ["village_id", "template_id"],
    )

    op.create_table(
        "rule_template_adopted_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("rule_version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adoption_id"],
            ["rule_template_adoptions.id"],
            name=op.f("fk_rule_template_adopted_entries_adoption_id_rule_template_adoptions"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["rule_template_entries.id"],
            name=op.f("fk_rule_template_adopted_entries_entry_id_rule_template_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["rules.id"], name=op.f("fk_rule_template_adopted_entries_rule_id_rules")
        ),
        sa.ForeignKeyConstraint(
            ["rule_version_id"],
            ["rule_versions.id"],
            name=op.f("fk_rule_template_adopted_entries_rule_version_id_rule_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_template_adopted_entries")),
        sa.UniqueConstraint(
            "adoption_id",
            "entry_id",
            name=op.f("uq_rule_template_adopted_entries_adoption_id_entry_id"),
        ),
        sa.UniqueConstraint(
            "rule_version_id", name=op.f("uq_rule_template_adopted_entries_rule_version_id")
        ),
    )
    op.create_index(
        op.f("ix_rule_template_adopted_entries_adoption_id"),
        "rule_template_adopted_entries",
        ["adoption_id"],
    )

    op.create_table(
        "rule_template_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["rules.id"], name=op.f("fk_rule_template_rules_rule_id_rules")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["rule_templates.id"],
            name=op.f("fk_rule_template_rules_template_id_rule_templates"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_rule_template_rules_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_template_rules")),
        sa.UniqueConstraint("rule_id", name=op.f("uq_rule_template_rules_rule_id")),
        sa.UniqueConstraint(
            "village_id",
            "template_id",
            "code",
            name=op.f("uq_rule_template_rules_village_id_template_id_code"),
        ),
    )


def downgrade():
    op.drop_table("rule_template_rules")
    op.drop_index(
        op.f("ix_rule_template_adopted_entries_adoption_id"),
        table_name="rule_template_adopted_entries",
    )
    op.drop_table("rule_template_adopted_entries")
    op.drop_index("ix_rule_template_adoptions_village_id", table_name="rule_template_adoptions")
    op.drop_table("rule_template_adoptions")
    op.drop_index(op.f("ix_rule_template_entries_version_id"), table_name="rule_template_entries")
    op.drop_table("rule_template_entries")
    op.drop_index("uq_rule_template_versions_one_draft", table_name="rule_template_versions")
    op.drop_index(
        op.f("ix_rule_template_versions_template_id"), table_name="rule_template_versions"
    )
    op.drop_table("rule_template_versions")
    op.drop_index(op.f("ix_rule_templates_region_id"), table_name="rule_templates")
    op.drop_table("rule_templates")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("ck_rule_versions_points_in_range", "rule_versions", type_="check")
    else:
        op.execute("DROP TRIGGER rule_versions_points_in_range")
    # ALTER TABLE ... DROP COLUMN on both (SQLite 3.35+): no rebuild of rule_versions.
    op.drop_column("rule_versions", "points_max")
    op.drop_column("rule_versions", "points_min")
