"""Stock: how it moves, and the check that it adds up.

Stock only ever changes through :func:`move_stock` (a sale, a void and a stock change alike):
one conditional ``UPDATE`` a product, which changes the stock only if it stays within 0 to
``MAX_STOCK`` (two counters selling the last bar of soap at once sell it once: the second
finds none left), and a ``StockMove`` beside it in the same transaction. Moves are never
edited. Nothing locks a product before its stock moves, so the row is held only from that
UPDATE to the commit: a sale moves its goods' stock as its last writes before the ledger's
chain (``counter.sales``), after the household's account, the order every transaction that
changes both keeps. Who may change stock, and the shops and goods themselves, are ``goods``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from ..database import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from .errors import OutOfStock
from .models import SALE, STOCK_IN, STOCK_OUT, VOID, Product, StockMove

MAX_STOCK = 1_000_000


def find_products(product_ids: list[int], *, lock: bool = False) -> dict[int, Product]:
    """The products with these ids, loaded afresh: ``{id: Product}`` for the ids that exist.

    Nothing is locked unless ``lock``: :func:`move_stock` checks the stock again as it changes
    it. A caller that decides from the stock it reads (an offline sale's reconciliation takes
    off the shelf what is left) locks the rows (in id order, after any household's account).
    """
    statement = _PRODUCTS_LOCKED if lock else _PRODUCTS
    rows = db.session.execute(statement, {"product_ids": list(set(product_ids))}).scalars()
    return {product.id: product for product in rows}


# Built once, as the ledger's statements are: a sale runs them on every request.
_PRODUCTS = (
    sa.select(Product)
    .where(Product.id.in_(sa.bindparam("product_ids", expanding=True)))
    .execution_options(populate_existing=True)
)
_PRODUCTS_LOCKED = _PRODUCTS.order_by(Product.id).with_for_update()


def out_of_stock(product: Product, wanted: int) -> OutOfStock:
    """409 ``out_of_stock`` for a product with too few in stock."""
    return OutOfStock(
        _l(
            "%(name)s: %(stock)s in stock, %(wanted)s wanted.",
            name=product.name,
            stock=product.stock,
            wanted=wanted,
        ),
        product_id=product.id,
        stock=product.stock,
    )


# (An UPDATE's bind parameters may not be named after its table's columns.)
_products = Product.__table__
_CHANGE_STOCK = (
    _products.update()
    .where(
        _products.c.id == sa.bindparam("of_product"),
        (_products.c.stock + sa.bindparam("change")).between(0, MAX_STOCK),
    )
    .values(stock=_products.c.stock + sa.bindparam("change_again"))
    .returning(_products.c.stock)
)
_INSERT_MOVES = StockMove.__table__.insert()


def move_stock(
    moves: list[tuple[Product, int]],
    kind: str,
    *,
    memo: str | None = None,
    by: int | None = None,
    redemption_id: int | None = None,
    returning: bool = False,
) -> list[StockMove]:
    """Record one stock move of ``kind`` per ``(product, quantity)`` and change the products'
    stock, in product id order (the order every transaction takes them, so two cannot
    deadlock): one conditional UPDATE a product, which takes its row lock to the commit, and
    one INSERT for the moves, whatever their number. Each ``Product`` is left holding its new
    stock; with ``returning`` the moves come back as ``StockMove`` objects (a sale, which
    does not show them, leaves the ORM out of its INSERT).

    Raises ``OutOfStock`` when a stock would go below zero and ``ValidationFailed`` above
    ``MAX_STOCK``: checked by the UPDATE against the row as it is, whatever the caller read.
    """
    for _product, quantity in moves:
        if kind not in (STOCK_IN, STOCK_OUT, SALE, VOID) or quantity <= 0:
            raise ValueError(f"bad stock move {kind} {quantity}")
    if not moves:
        return []
    db.session.flush()  # a product this transaction inserted is in the table first
    rows = []
    for product, quantity in sorted(moves, key=lambda move: move[0].id):
        delta = quantity if kind in (STOCK_IN, VOID) else -quantity
        stock_after = db.session.execute(
            _CHANGE_STOCK, {"of_product": product.id, "change": delta, "change_again": delta}
        ).scalar_one_or_none()
        if stock_after is None:
            db.session.refresh(product, ["stock"])
            if delta < 0:
                raise out_of_stock(product, quantity)
            raise ValidationFailed(errors={"delta": [str(_l("Stock must be 0 to 1,000,000."))]})
        set_committed_value(product, "stock", stock_after)
        rows.append(
            {
                "product_id": product.id,
                "kind": kind,
                "delta": delta,
                "stock_after": stock_after,
                "redemption_id": redemption_id,
                "memo": (memo or None) and memo[:200],
                "created_by_id": by,
                "created_at": utcnow(),
            }
        )
    if not returning:
        db.session.execute(_INSERT_MOVES, rows)
        return []
    # As the ledger's transfers: an id SQLite reused after a rolled-back savepoint must come
    # back as the row just written, not as the object the session still holds for it.
    statement = sa.insert(StockMove).returning(StockMove)
    return list(db.session.scalars(statement.execution_options(populate_existing=True), rows))


def stock_discrepancies(shop_id: int) -> list[tuple[int, int, int]]:
    """Products whose cached stock differs from the sum of their moves: (id, cached, moves)."""
    moved = (
        sa.select(StockMove.product_id, sa.func.sum(StockMove.delta).label("total"))
        .group_by(StockMove.product_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Product.id, Product.stock, sa.func.coalesce(moved.c.total, 0))
        .outerjoin(moved, moved.c.product_id == Product.id)
        .where(Product.shop_id == shop_id)
    ).all()
    return [(pid, stock, total) for pid, stock, total in rows if stock != total]
