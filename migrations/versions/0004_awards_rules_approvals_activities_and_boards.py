"""rule catalogue, rule versions, approvals, quotas, activities, red and black entries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

* rules and rule_versions (points and monthly cap from a date on);
* approvals (awards above the village's threshold, waiting for an admin);
* activities and attendances (volunteer hours);
* board_entries (the red and black list) and objections (异议) to them;
* transfers: rule_version_id and quantity (optional references, hashed only when set, so every
  existing hash stays valid), with indexes for monthly caps and a leader's month;
* villages: leader_monthly_quota, black_board_days, red_board_days.

The new columns of existing tables are added with plain ``ALTER TABLE ... ADD COLUMN`` (with
their named CHECK or REFERENCES clause), never by rebuilding the table: rebuilding
``transfers`` on SQLite would drop its append-only triggers. Downgrading on SQLite has to
rebuild ``transfers`` (SQLite cannot drop a column that references another table), so it
re-creates those triggers afterwards.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "transfers are append-only; post a reversal instead"

# (table, column, SQL type and clauses)
NEW_COLUMNS = (
    (
        "villages",
        "leader_monthly_quota",
        "INTEGER CONSTRAINT ck_villages_leader_monthly_quota_positive "
        "CHECK (leader_monthly_quota IS NULL OR leader_monthly_quota > 0)",
    ),
    (
        "villages",
        "black_board_days",
        "INTEGER DEFAULT 30 NOT NULL CONSTRAINT ck_villages_black_board_days_range "
        "CHECK (black_board_days BETWEEN 1 AND 366)",
    ),
    (
        "villages",
        "red_board_days",
        "INTEGER DEFAULT 30 NOT NULL CONSTRAINT ck_villages_red_board_days_range "
        "CHECK (red_board_days BETWEEN 1 AND 366)",
    ),
    (
        "transfers",
        "rule_version_id",
        "INTEGER CONSTRAINT fk_transfers_rule_version_id_rule_versions "
        "REFERENCES rule_versions (id)",
    ),
    ("transfers", "quantity", "NUMERIC(10, 2)"),
)


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _transfer_id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "category IN ('volunteer', 'red', 'black', 'rule', 'other')",
            name=op.f("ck_rules_category_known"),
        ),
        sa.CheckConstraint("unit IN ('each', 'hour')", name=op.f("ck_rules_unit_known")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_rules_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_rules_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules")),
        sa.UniqueConstraint("village_id", "code", name=op.f("uq_rules_village_id_code")),
    )
    op.create_index(op.f("ix_rules_village_id"), "rules", ["village_id"], unique=False)

    op.create_table(
        "rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("monthly_cap", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "monthly_cap IS NULL OR monthly_cap > 0",
            name=op.f("ck_rule_versions_monthly_cap_positive"),
        ),
        sa.CheckConstraint("points <> 0", name=op.f("ck_rule_versions_points_not_zero")),
        sa.CheckConstraint("version > 0", name=op.f("ck_rule_versions_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_rule_versions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["rules.id"], name=op.f("fk_rule_versions_rule_id_rules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_versions")),
        sa.UniqueConstraint("rule_id", "version", name=op.f("uq_rule_versions_rule_id_version")),
    )
    op.create_index(op.f("ix_rule_versions_rule_id"), "rule_versions", ["rule_id"], unique=False)

    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("rule_version_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("memo", sa.String(length=500), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("transfer_id", _transfer_id(), nullable=True),
        sa.Column("board_reason", sa.String(length=500), nullable=True),
        sa.Column("board_photo", sa.String(length=80), nullable=True),
        sa.CheckConstraint(
            "(status = 'approved') = (transfer_id IS NOT NULL)",
            name=op.f("ck_approvals_transfer_iff_approved"),
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_approvals_decided_unless_pending"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name=op.f("ck_approvals_status_known")
        ),
        sa.CheckConstraint("points > 0", name=op.f("ck_approvals_points_positive")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_approvals_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_approvals_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_approvals_proposed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["rule_version_id"],
            ["rule_versions.id"],
            name=op.f("fk_approvals_rule_version_id_rule_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_approvals_transfer_id_transfers")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_approvals_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_approvals_transfer_id")),
    )
    op.create_index(
        op.f("ix_approvals_proposed_by_id"), "approvals", ["proposed_by_id"], unique=False
    )
    op.create_index(
        "ix_approvals_village_id_status", "approvals", ["village_id", "status"], unique=False
    )

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_activities_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["rules.id"], name=op.f("fk_activities_rule_id_rules")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_activities_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_index(op.f("ix_activities_village_id"), "activities", ["village_id"], unique=False)

    op.create_table(
        "attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("member_name", sa.String(length=50), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(), nullable=True),
        sa.Column("hours", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("transfer_id", _transfer_id(), nullable=True),
        sa.CheckConstraint(
            "hours IS NULL OR (hours > 0 AND hours <= 24)",
            name=op.f("ck_attendances_hours_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_attendances_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_attendances_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_attendances_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_attendances_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendances")),
        sa.UniqueConstraint(
            "activity_id",
            "household_id",
            "member_name",
            name=op.f("uq_attendances_activity_id_household_id_member_name"),
        ),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_attendances_transfer_id")),
    )
    op.create_index(
        op.f("ix_attendances_activity_id"), "attendances", ["activity_id"], unique=False
    )

    op.create_table(
        "board_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("photo", sa.String(length=80), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("board_until", sa.Date(), nullable=False),
        sa.Column("transfer_id", _transfer_id(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('red', 'black')", name=op.f("ck_board_entries_kind_known")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_board_entries_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_board_entries_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["rules.id"], name=op.f("fk_board_entries_rule_id_rules")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_board_entries_transfer_id_transfers")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_board_entries_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_entries")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_board_entries_transfer_id")),
    )
    op.create_index(
        op.f("ix_board_entries_household_id"), "board_entries", ["household_id"], unique=False
    )
    op.create_index(
        "ix_board_entries_village_id_period",
        "board_entries",
        ["village_id", "period"],
        unique=False,
    )

    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("reversal_id", _transfer_id(), nullable=True),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_objections_decided_unless_pending"),
        ),
        sa.CheckConstraint(
            "(status = 'upheld') = (reversal_id IS NOT NULL)",
            name=op.f("ck_objections_reversal_iff_upheld"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'upheld', 'dismissed')",
            name=op.f("ck_objections_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_objections_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["board_entries.id"], name=op.f("fk_objections_entry_id_board_entries")
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["users.id"], name=op.f("fk_objections_filed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_objections_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["reversal_id"], ["transfers.id"], name=op.f("fk_objections_reversal_id_transfers")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_objections_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
        sa.UniqueConstraint(
            "entry_id", "household_id", name=op.f("uq_objections_entry_id_household_id")
        ),
        sa.UniqueConstraint("reversal_id", name=op.f("uq_objections_reversal_id")),
    )
    op.create_index(op.f("ix_objections_entry_id"), "objections", ["entry_id"], unique=False)
    op.create_index(op.f("ix_objections_village_id"), "objections", ["village_id"], unique=False)

    for table, column, definition in NEW_COLUMNS:
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
    op.create_index(
        "ix_transfers_rule_version_id_period_household_id",
        "transfers",
        ["rule_version_id", "period", "household_id"],
        unique=False,
    )
    op.create_index(
        "ix_transfers_posted_by_id_period", "transfers", ["posted_by_id", "period"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_objections_village_id"), table_name="objections")
    op.drop_index(op.f("ix_objections_entry_id"), table_name="objections")
    op.drop_table("objections")
    op.drop_index("ix_board_entries_village_id_period", table_name="board_entries")
    op.drop_index(op.f("ix_board_entries_household_id"), table_name="board_entries")
    op.drop_table("board_entries")
    op.drop_index(op.f("ix_attendances_activity_id"), table_name="attendances")
    op.drop_table("attendances")
    op.drop_index(op.f("ix_activities_village_id"), table_name="activities")
    op.drop_table("activities")
    op.drop_index("ix_approvals_village_id_status", table_name="approvals")
    op.drop_index(op.f("ix_approvals_proposed_by_id"), table_name="approvals")
    op.drop_table("approvals")
    op.drop_index("ix_transfers_posted_by_id_period", table_name="transfers")
    op.drop_index("ix_transfers_rule_version_id_period_household_id", table_name="transfers")
    if _is_postgresql():
        for table, column, _definition in reversed(NEW_COLUMNS):
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        for table, column, _definition in reversed(NEW_COLUMNS):
            if table == "villages":
                op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        # SQLite cannot drop a column that references another table: rebuild transfers
        # (a copy of every row, as it was), then put its append-only triggers back.
        with op.batch_alter_table("transfers", recreate="always") as batch:
            batch.drop_column("quantity")
            batch.drop_column("rule_version_id")
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER transfers_refuse_{operation.lower()} BEFORE {operation} "
                f"ON transfers BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )

    op.drop_index(op.f("ix_rule_versions_rule_id"), table_name="rule_versions")
    op.drop_table("rule_versions")
    op.drop_index(op.f("ix_rules_village_id"), table_name="rules")
    op.drop_table("rules")
