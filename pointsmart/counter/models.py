"""Shops, their goods and stock, redemptions (sales for points) and monthly settlements.

* ``Product.stock`` is a cache of the product's stock moves, written in the same transaction
  as each move; a CHECK keeps it from ever going below zero, whatever runs at once.
* ``StockMove`` rows are never edited or deleted (database triggers refuse it, see migration
  0005): ``in`` and ``out`` by staff, ``sale`` by a redemption, ``void`` when a sale is undone.
  So ``stock = in - out - sales + voids`` always, which ``verify_stock`` checks.
* A ``Redemption`` is one sale: one ledger transfer household -> shop (``transfer_id``) and one
  ``sale`` move per item, all in one transaction. Voiding it posts the ledger reversal
  (``void_transfer_id``) and a ``void`` move per item; a redemption is voided at most once.
* A ``PendingOfflineSale`` is a sale made at a counter without network that the server
  refused when it arrived (the household spent its points elsewhere meanwhile, the card was
  reissued, the goods ran out): it posted nothing, and waits until the committee resolves it
  with one ledger transfer, an offline shortfall or a write-off (``transfer_id``).
* A ``Settlement`` records that the village paid a shop for a month's net redeemed points
  (one shop -> settled transfer); one per shop and month.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

# Stock move kinds and the sign of their delta.
STOCK_IN, STOCK_OUT, SALE, VOID = "in", "out", "sale", "void"
STOCK_MOVE_KINDS = (STOCK_IN, STOCK_OUT, SALE, VOID)

# A whole transfer id column: BIGINT on PostgreSQL, INTEGER (rowid) on SQLite, as transfers.id.
TRANSFER_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class Shop(db.Model):
    __tablename__ = "shops"
    __table_args__ = (sa.UniqueConstraint("village_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Product(db.Model):
    """Goods a shop gives for points."""

    __tablename__ = "products"
    __table_args__ = (
        sa.UniqueConstraint("shop_id", "name"),
        sa.CheckConstraint("points_price > 0", name="points_price_positive"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("low_stock_at >= 0", name="low_stock_at_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    points_price: Mapped[int] = mapped_column()
    # Cache of the stock moves; only changed together with a new StockMove.
    stock: Mapped[int] = mapped_column(default=0)
    # The goods list warns when stock is at or below this.
    low_stock_at: Mapped[int] = mapped_column(default=5)
    active: Mapped[bool] = mapped_column(default=True)
    # The shop's own place for the goods in the counter's list (1 first); goods without one
    # follow those with one, by name in pinyin order (``goods.list_products``).
    position: Mapped[int | None] = mapped_column(default=None)
    # File name of the photo under <instance>/product-photos/, or None.
    photo: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockMove(db.Model):
    """One change of a product's stock. Append-only."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('in', 'out', 'sale', 'void')", name="kind_known"),
        sa.CheckConstraint(
            "(kind IN ('in', 'void') AND delta > 0) OR (kind IN ('out', 'sale') AND delta < 0)",
            name="delta_sign_matches_kind",
        ),
        sa.CheckConstraint("stock_after >= 0", name="stock_after_not_negative"),
        sa.CheckConstraint(
            "(kind IN ('sale', 'void')) = (redemption_id IS NOT NULL)",
            name="redemption_iff_sale_or_void",
        ),
        sa.Index("ix_stock_moves_product_id_id", "product_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"))
    kind: Mapped[str] = mapped_column(sa.String(8))
    # Signed: + for in and void, - for out and sale.
    delta: Mapped[int] = mapped_column()
    stock_after: Mapped[int] = mapped_column()
    redemption_id: Mapped[int | None] = mapped_column(sa.ForeignKey("redemptions.id"), index=True)
    memo: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Redemption(db.Model):
    """A sale at a shop's counter, paid with a household's points."""

    __tablename__ = "redemptions"
    __table_args__ = (
        sa.CheckConstraint("total_points > 0", name="total_points_positive"),
        sa.CheckConstraint(
            "(voided_at IS NULL) = (void_transfer_id IS NULL)", name="void_recorded_whole"
        ),
        sa.Index("ix_redemptions_shop_id_created_at", "shop_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"))
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), index=True)
    total_points: Mapped[int] = mapped_column()
    # The sale's transfer and the household's balance right after it (printed on the
    # receipt). The sale writes its row before the transfer's (the ledger's chain is the
    # transaction's last write, ``ledger.chain``), so the reference is checked at commit.
    transfer_id: Mapped[int | None] = mapped_column(
        TRANSFER_ID,
        sa.ForeignKey("transfers.id", deferrable=True, initially="DEFERRED"),
        unique=True,
    )
    balance_after: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the counter made the sale while it had no network (the phone's clock); None for a
    # sale made online. ``created_at`` is then when it reached us and was posted.
    made_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    void_transfer_id: Mapped[int | None] = mapped_column(
        TRANSFER_ID, sa.ForeignKey("transfers.id"), unique=True
    )
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(sa.String(200))

    items: Mapped[list[RedemptionItem]] = relationship(lazy="raise", order_by="RedemptionItem.id")


class RedemptionItem(db.Model):
    """One line of a sale: the goods' name and price as they were at the time."""

    __tablename__ = "redemption_items"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("points_price > 0", name="points_price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(sa.ForeignKey("redemptions.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    points_price: Mapped[int] = mapped_column()
    quantity: Mapped[int] = mapped_column()


class Settlement(db.Model):
    """The village paid a shop for one month's net redeemed points. Once per shop and month."""

    __tablename__ = "settlements"
    __table_args__ = (
        sa.UniqueConstraint("shop_id", "period"),
        sa.CheckConstraint("points > 0", name="points_positive"),
        sa.CheckConstraint("yuan >= 0", name="yuan_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"))
    period: Mapped[str] = mapped_column(sa.String(7))
    points: Mapped[int] = mapped_column(sa.BigInteger)
    yuan_per_point: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    yuan: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    transfer_id: Mapped[int] = mapped_column(
        TRANSFER_ID, sa.ForeignKey("transfers.id"), unique=True
    )
    settled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# What became of a pending offline sale.
PENDING, RESOLVED_SHORTFALL, RESOLVED_WRITE_OFF = "pending", "shortfall", "write_off"
OFFLINE_SALE_STATUSES = (PENDING, RESOLVED_SHORTFALL, RESOLVED_WRITE_OFF)


class PendingOfflineSale(db.Model):
    """An offline sale the server refused at sync: kept whole, posted by a resolution only."""

    __tablename__ = "pending_offline_sales"
    __table_args__ = (
        sa.UniqueConstraint("created_by_id", "client_key"),
        sa.CheckConstraint("total_points > 0", name="total_points_positive"),
        sa.CheckConstraint("status IN ('pending', 'shortfall', 'write_off')", name="status_known"),
        sa.CheckConstraint(
            "(status = 'pending') = (transfer_id IS NULL)", name="resolved_iff_transfer"
        ),
        sa.Index("ix_pending_offline_sales_shop_id_status", "shop_id", "status"),
        sa.Index("ix_pending_offline_sales_village_id_status", "village_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"))
    # None only when the card named no household of ours at all.
    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("households.id"), index=True)
    # What the card said (URL, token or short code), as the counter sent it.
    card: Mapped[str | None] = mapped_column(sa.String(300))
    # The sale's Idempotency-Key, made on the phone.
    client_key: Mapped[str] = mapped_column(sa.String(64))
    # [{"product_id", "name", "points_price", "quantity"}] at the prices of the moment it
    # reached us, as JSON text.
    items: Mapped[str] = mapped_column(sa.Text)
    total_points: Mapped[int] = mapped_column()
    # The refusal's stable code (insufficient_points, card_revoked, out_of_stock, ...) and its
    # words.
    reason: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str | None] = mapped_column(sa.String(300))
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    transfer_id: Mapped[int | None] = mapped_column(
        TRANSFER_ID, sa.ForeignKey("transfers.id"), unique=True
    )
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution_memo: Mapped[str | None] = mapped_column(sa.String(200))
