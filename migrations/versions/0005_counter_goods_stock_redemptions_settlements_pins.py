"""goods, stock moves, redemptions, voids, settlements, household PINs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

* products, stock_moves (append-only: triggers refuse UPDATE and DELETE, as for transfers),
  redemptions with their items, settlements (one per shop and month);
* households: pin_hash, pin_failed_attempts, pin_locked_until;
* villages: pin_required_above (a sale above it needs the household's PIN).

The new columns of existing tables carry their CHECK constraints. SQLite cannot add a
constraint to an existing table without rebuilding it (which would drop and re-create
``villages`` and ``households`` under everything that references them), but it can add a
column with a column constraint, so on SQLite the column is added with its named CHECK in
one ``ALTER TABLE ... ADD COLUMN``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "stock moves are append-only; record a new move instead"

# (table, column, SQL type, default, check name, check expression)
NEW_COLUMNS = (
    (
        "villages",
        "pin_required_above",
        "INTEGER",
        None,
        "ck_villages_pin_required_above_not_negative",
        "pin_required_above >= 0",
    ),
    ("households", "pin_hash", "VARCHAR(255)", None, None, None),
    (
        "households",
        "pin_failed_attempts",
        "INTEGER NOT NULL",
        "0",
        "ck_households_pin_failed_attempts_not_negative",
        "pin_failed_attempts >= 0",
    ),
    ("households", "pin_locked_until", None, None, None, None),
)


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _transfer_id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("points_price", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("low_stock_at", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("photo", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("low_stock_at >= 0", name=op.f("ck_products_low_stock_at_not_negative")),
        sa.CheckConstraint("points_price > 0", name=op.f("ck_products_points_price_positive")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_products_stock_not_negative")),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_products_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("shop_id", "name", name=op.f("uq_products_shop_id_name")),
    )
    op.create_index(op.f("ix_products_shop_id"), "products", ["shop_id"], unique=False)

    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("total_points", sa.Integer(), nullable=False),
        sa.Column("transfer_id", _transfer_id(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.Column("void_transfer_id", _transfer_id(), nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.Column("void_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "(voided_at IS NULL) = (void_transfer_id IS NULL)",
            name=op.f("ck_redemptions_void_recorded_whole"),
        ),
        sa.CheckConstraint("total_points > 0", name=op.f("ck_redemptions_total_points_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_redemptions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_redemptions_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_redemptions_shop_id_shops")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_redemptions_transfer_id_transfers")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_redemptions_village_id_villages")
        ),
        sa.ForeignKeyConstraint(
            ["void_transfer_id"],
            ["transfers.id"],
            name=op.f("fk_redemptions_void_transfer_id_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by_id"], ["users.id"], name=op.f("fk_redemptions_voided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_redemptions_transfer_id")),
        sa.UniqueConstraint("void_transfer_id", name=op.f("uq_redemptions_void_transfer_id")),
    )
    op.create_index(
        op.f("ix_redemptions_household_id"), "redemptions", ["household_id"], unique=False
    )
    op.create_index(
        "ix_redemptions_shop_id_created_at", "redemptions", ["shop_id", "created_at"], unique=False
    )

    op.create_table(
        "redemption_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("redemption_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("points_price", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "points_price > 0", name=op.f("ck_redemption_items_points_price_positive")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_redemption_items_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_redemption_items_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemptions.id"],
            name=op.f("fk_redemption_items_redemption_id_redemptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemption_items")),
    )
    op.create_index(
        op.f("ix_redemption_items_product_id"), "redemption_items", ["product_id"], unique=False
    )
    op.create_index(
        op.f("ix_redemption_items_redemption_id"),
        "redemption_items",
        ["redemption_id"],
        unique=False,
    )

    op.create_table(
        "stock_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("stock_after", sa.Integer(), nullable=False),
        sa.Column("redemption_id", sa.Integer(), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(kind IN ('in', 'void') AND delta > 0) OR (kind IN ('out', 'sale') AND delta < 0)",
            name=op.f("ck_stock_moves_delta_sign_matches_kind"),
        ),
        sa.CheckConstraint(
            "(kind IN ('sale', 'void')) = (redemption_id IS NOT NULL)",
            name=op.f("ck_stock_moves_redemption_iff_sale_or_void"),
        ),
        sa.CheckConstraint(
            "kind IN ('in', 'out', 'sale', 'void')", name=op.f("ck_stock_moves_kind_known")
        ),
        sa.CheckConstraint(
            "stock_after >= 0", name=op.f("ck_stock_moves_stock_after_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_stock_moves_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_stock_moves_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemptions.id"],
            name=op.f("fk_stock_moves_redemption_id_redemptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_moves")),
    )
    op.create_index(
        "ix_stock_moves_product_id_id", "stock_moves", ["product_id", "id"], unique=False
    )
    op.create_index(
        op.f("ix_stock_moves_redemption_id"), "stock_moves", ["redemption_id"], unique=False
    )

    op.create_table(
        "settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("yuan_per_point", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("yuan", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("transfer_id", _transfer_id(), nullable=False),
        sa.Column("settled_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_settlements_points_positive")),
        sa.CheckConstraint("yuan >= 0", name=op.f("ck_settlements_yuan_not_negative")),
        sa.ForeignKeyConstraint(
            ["settled_by_id"], ["users.id"], name=op.f("fk_settlements_settled_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_settlements_shop_id_shops")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_settlements_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
        sa.UniqueConstraint("shop_id", "period", name=op.f("uq_settlements_shop_id_period")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_settlements_transfer_id")),
    )

    _add_columns()
    _stock_moves_append_only()


def _add_columns():
    postgresql = _is_postgresql()
    for table, column, sql_type, default, check_name, check in NEW_COLUMNS:
        if sql_type is None:  # a timestamp: the dialect's own type
            sql_type = "TIMESTAMP WITHOUT TIME ZONE" if postgresql else "DATETIME"
        default_sql = f" DEFAULT {default}" if default is not None else ""
        check_sql = f" CONSTRAINT {check_name} CHECK ({check})" if check else ""
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}{default_sql}{check_sql}")


def _stock_moves_append_only():
    if _is_postgresql():
        op.execute(
            f"""
            CREATE FUNCTION stock_moves_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY_MESSAGE} (% refused)', TG_OP
                    USING ERRCODE = 'integrity_constraint_violation';
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER stock_moves_refuse_update_delete BEFORE UPDATE OR DELETE "
            "ON stock_moves FOR EACH ROW EXECUTE FUNCTION stock_moves_append_only()"
        )
        op.execute(
            "CREATE TRIGGER stock_moves_refuse_truncate BEFORE TRUNCATE ON stock_moves "
            "FOR EACH STATEMENT EXECUTE FUNCTION stock_moves_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER stock_moves_refuse_{operation.lower()} BEFORE {operation} "
                f"ON stock_moves BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def downgrade():
    if _is_postgresql():
        op.execute("DROP TRIGGER stock_moves_refuse_truncate ON stock_moves")
        op.execute("DROP TRIGGER stock_moves_refuse_update_delete ON stock_moves")
        op.execute("DROP FUNCTION stock_moves_append_only()")
    else:
        op.execute("DROP TRIGGER stock_moves_refuse_update")
        op.execute("DROP TRIGGER stock_moves_refuse_delete")
    for table, column, *_ in reversed(NEW_COLUMNS):
        # Both databases drop a column together with its own column constraint.
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_table("settlements")
    op.drop_index("ix_stock_moves_product_id_id", table_name="stock_moves")
    op.drop_index(op.f("ix_stock_moves_redemption_id"), table_name="stock_moves")
    op.drop_table("stock_moves")
    op.drop_index(op.f("ix_redemption_items_redemption_id"), table_name="redemption_items")
    op.drop_index(op.f("ix_redemption_items_product_id"), table_name="redemption_items")
    op.drop_table("redemption_items")
    op.drop_index("ix_redemptions_shop_id_created_at", table_name="redemptions")
    op.drop_index(op.f("ix_redemptions_household_id"), table_name="redemptions")
    op.drop_table("redemptions")
    op.drop_index(op.f("ix_products_shop_id"), table_name="products")
    op.drop_table("products")
