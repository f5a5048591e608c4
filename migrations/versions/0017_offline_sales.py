"""offline sales: the village's offline limit, a sale's made time, pending offline sales, and
the transfer kinds ``shortfall`` and ``write_off``

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03

* ``villages.offline_limit``: points a household may spend per day at a counter without
  network (default 50; 0 turns offline sales off); ``villages.sheet_printed_through``: the
  latest month whose 公示 sheet was printed after it ended.
* ``redemptions.made_at``: when an offline sale was made on the phone.
* ``pending_offline_sales``: offline sales the server refused at sync, kept until the
  committee resolves them.
* ``transfers.kind`` may also be ``shortfall`` (household -> shop) and ``write_off``
  (issued -> shop): the two resolutions. The CHECK is widened as 0009 widened it (see there
  for why SQLite's schema text is edited in place rather than the table rebuilt).
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OLD = "kind IN ('award', 'deduct', 'redeem', 'settle', 'expire')"
NEW = "kind IN ('award', 'deduct', 'redeem', 'settle', 'expire', 'shortfall', 'write_off')"
CONSTRAINT = "ck_transfers_kind_known"


def _rewrite_sqlite_check(bind, before: str, after: str) -> None:
    """0009's procedure (a migration stays as it was written, so it is copied, not shared)."""
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'transfers'"
    ).scalar_one()
    if sql.count(before) != 1:
        raise RuntimeError(f"transfers: expected the CHECK text {before!r} once in {sql!r}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'transfers'",
            (sql.replace(before, after),),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    result = bind.exec_driver_sql("PRAGMA quick_check").scalar_one()
    if result != "ok":
        raise RuntimeError(f"transfers: quick_check after the CHECK change says {result}")


def _widen(bind, before: str, after: str) -> None:
    if bind.dialect.name == "sqlite":
        _rewrite_sqlite_check(bind, before, after)
    else:
        op.drop_constraint(op.f(CONSTRAINT), "transfers", type_="check")
        op.create_check_constraint(op.f(CONSTRAINT), "transfers", sa.text(after))


def upgrade():
    # Plain ADD COLUMNs: tables that others reference are never rebuilt on SQLite.
    op.add_column(
        "villages",
        sa.Column("offline_limit", sa.Integer(), nullable=False, server_default="50"),
    )
    op.add_column("villages", sa.Column("sheet_printed_through", sa.String(7), nullable=True))
    op.add_column("redemptions", sa.Column("made_at", sa.DateTime(), nullable=True))
    op.create_table(
        "pending_offline_sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("card", sa.String(300), nullable=True),
        sa.Column("client_key", sa.String(64), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("total_points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(300), nullable=True),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column(
            "transfer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution_memo", sa.String(200), nullable=True),
        sa.CheckConstraint(
            "total_points > 0", name=op.f("ck_pending_offline_sales_total_points_positive")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'shortfall', 'write_off')",
            name=op.f("ck_pending_offline_sales_status_known"),
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (transfer_id IS NULL)",
            name=op.f("ck_pending_offline_sales_resolved_iff_transfer"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_pending_offline_sales_village_id_villages"),
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_pending_offline_sales_shop_id_shops")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_pending_offline_sales_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_pending_offline_sales_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfers.id"],
            name=op.f("fk_pending_offline_sales_transfer_id_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_pending_offline_sales_resolved_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_offline_sales")),
        sa.UniqueConstraint(
            "created_by_id",
            "client_key",
            name=op.f("uq_pending_offline_sales_created_by_id_client_key"),
        ),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_pending_offline_sales_transfer_id")),
    )
    op.create_index(
        op.f("ix_pending_offline_sales_household_id"), "pending_offline_sales", ["household_id"]
    )
    op.create_index(
        op.f("ix_pending_offline_sales_shop_id_status"),
        "pending_offline_sales",
        ["shop_id", "status"],
    )
    op.create_index(
        op.f("ix_pending_offline_sales_village_id_status"),
        "pending_offline_sales",
        ["village_id", "status"],
    )
    _widen(op.get_bind(), OLD, NEW)


def downgrade():
    bind = op.get_bind()
    if bind.exec_driver_sql(
        "SELECT 1 FROM transfers WHERE kind IN ('shortfall', 'write_off') LIMIT 1"
    ).first():
        raise RuntimeError("shortfall or write-off transfers exist; the ledger cannot drop them")
    _widen(bind, NEW, OLD)
    op.drop_table("pending_offline_sales")
    op.drop_column("redemptions", "made_at")
    op.drop_column("villages", "sheet_printed_through")
    op.drop_column("villages", "offline_limit")
