"""Shops, goods and stock: who may change them, and how stock moves are recorded.

Stock only ever changes through :func:`move_stock` (a sale, a void and a stock change alike):
one conditional ``UPDATE`` a product, which changes the stock only if it stays within 0 to
``MAX_STOCK`` (two counters selling the last bar of soap at once sell it once: the second
finds none left), and a ``StockMove`` beside it in the same transaction. Moves are never
edited. Nothing locks a product before its stock moves, so the row is held only from that
UPDATE to the commit: a sale moves its goods' stock as its last writes before the ledger's
chain (``counter.sales``), after the household's account, the order every transaction that
changes both keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.auth import Principal
from ..audit import service as audit
from ..database import utcnow
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..ledger import service as ledger
from ..lookups import get_or_refuse
from ..ordering import natural_key
from ..villages.service import administered_village, get_village
from .errors import OutOfStock
from .models import SALE, STOCK_IN, STOCK_OUT, VOID, Product, Shop, StockMove

MAX_STOCK = 1_000_000
MAX_PRICE = 100_000
MAX_POSITION = 999
UNCHANGED = object()  # an argument left out of ``update_product``


# --- permissions -----------------------------------------------------------------------------


def keeps_shop(actor: Principal, shop: Shop) -> bool:
    return actor.shops.get(shop.id) == shop.village_id


def require_shop_manager(actor: Principal, shop: Shop) -> None:
    """An admin of the shop's village, or the shop's own shopkeeper."""
    if not (actor.is_admin_of(shop.village_id) or keeps_shop(actor, shop)):
        raise Forbidden(_l("Only the village's administrators and this shop's keeper may."))


def require_shop_reader(actor: Principal, shop: Shop) -> None:
    """Staff of the shop's village see its goods."""
    actor.require_staff(shop.village_id)


# --- shops -----------------------------------------------------------------------------------


def find_shop(shop_id: int) -> Shop:
    return get_or_refuse(Shop, shop_id, _l("No such shop."))


def list_shops(actor: Principal, village_id: int) -> list[Shop]:
    """The shops of a village, for its staff."""
    get_village(actor, village_id)
    return list(
        db.session.execute(
            sa.select(Shop).where(Shop.village_id == village_id).order_by(Shop.id)
        ).scalars()
    )


def shops_for(actor: Principal) -> list[Shop]:
    """The shops a staff member keeps or administers, in id order."""
    statement = sa.select(Shop).order_by(Shop.id)
    if not actor.global_admin:
        statement = statement.where(
            sa.or_(Shop.village_id.in_(actor.admin_villages), Shop.id.in_(list(actor.shops)))
        )
    return list(db.session.execute(statement).scalars())


def create_shop(actor: Principal, village_id: int, *, name: str) -> Shop:
    """Open a shop in a village (admin) with its ledger account."""
    administered_village(actor, village_id)
    name = name.strip()
    if not name:
        raise ValidationFailed(errors={"name": [str(_l("Give the shop a name."))]})
    exists = db.session.execute(
        sa.select(Shop.id).where(Shop.village_id == village_id, Shop.name == name)
    ).first()
    if exists:
        raise ValidationFailed(errors={"name": [str(_l("A shop with this name exists."))]})
    shop = Shop(village_id=village_id, name=name)
    db.session.add(shop)
    db.session.flush()
    ledger.open_shop_account(village_id, shop.id)
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action="shop.create",
        target_type="shop",
        target_id=shop.id,
        changes={"name": name},
    )
    return shop


# --- goods -----------------------------------------------------------------------------------


def find_product(product_id: int) -> Product:
    return get_or_refuse(Product, product_id, _l("No such goods."))


def list_products(actor: Principal, shop_id: int, *, active_only: bool = False) -> list[Product]:
    shop = find_shop(shop_id)
    require_shop_reader(actor, shop)
    statement = sa.select(Product).where(Product.shop_id == shop_id)
    if active_only:
        statement = statement.where(Product.active.is_(True))
    return sorted(db.session.execute(statement).scalars(), key=shop_order)


def shop_order(product: Product) -> tuple:
    """The counter's order: the shop's own places first (1, 2, 3 ...), then the goods without
    a place, by name in the order people expect (pinyin: 大米 before 酱油)."""
    return (product.position is None, product.position or 0, natural_key(product.name))


def create_product(
    actor: Principal,
    shop_id: int,
    *,
    name: str,
    points_price: int,
    stock: int = 0,
    low_stock_at: int = 5,
    active: bool = True,
    position: int | None = None,
) -> Product:
    """Add goods to a shop; an opening stock is recorded as a stock move ``in``."""
    shop = find_shop(shop_id)
    require_shop_manager(actor, shop)
    name = name.strip()
    _check_product_fields(shop_id, name, points_price, low_stock_at, position)
    if not 0 <= stock <= MAX_STOCK:
        raise ValidationFailed(errors={"stock": [str(_l("Stock must be 0 to 1,000,000."))]})
    product = Product(
        shop_id=shop_id,
        name=name,
        points_price=points_price,
        stock=0,
        low_stock_at=low_stock_at,
        active=active,
        position=position,
    )
    db.session.add(product)
    db.session.flush()
    if stock:
        move_stock([(product, stock)], STOCK_IN, memo=str(_l("Opening stock")), by=actor.user_id)
    audit.record(
        actor_id=actor.user_id,
        village_id=shop.village_id,
        action="product.create",
        target_type="product",
        target_id=product.id,
        changes={"name": name, "points_price": points_price, "shop": shop.name},
    )
    return product


def update_product(
    actor: Principal,
    product_id: int,
    *,
    name: str | None = None,
    points_price: int | None = None,
    low_stock_at: int | None = None,
    active: bool | None = None,
    position: int | object | None = UNCHANGED,
) -> Product:
    """Change goods' name, price, warning level, place in the counter's list (None: no place
    of its own) or whether they are offered (not the stock). An argument left out is kept."""
    product = find_product(product_id)
    shop = find_shop(product.shop_id)
    require_shop_manager(actor, shop)
    before = _product_fields(product)
    new_name = product.name if name is None else name.strip()
    _check_product_fields(
        product.shop_id,
        new_name,
        product.points_price if points_price is None else points_price,
        product.low_stock_at if low_stock_at is None else low_stock_at,
        product.position if position is UNCHANGED else position,
        product_id=product.id,
    )
    product.name = new_name
    if points_price is not None:
        product.points_price = points_price
    if low_stock_at is not None:
        product.low_stock_at = low_stock_at
    if active is not None:
        product.active = active
    if position is not UNCHANGED:
        product.position = position
    db.session.flush()
    changes = audit.diff(before, _product_fields(product))
    if changes:
        audit.record(
            actor_id=actor.user_id,
            village_id=shop.village_id,
            action="product.update",
            target_type="product",
            target_id=product.id,
            changes=changes,
        )
    return product


def _product_fields(product: Product) -> dict:
    return {
        "name": product.name,
        "points_price": product.points_price,
        "low_stock_at": product.low_stock_at,
        "active": product.active,
        "position": product.position,
    }


def _check_product_fields(
    shop_id: int,
    name: str,
    points_price: int,
    low_stock_at: int,
    position: int | None,
    product_id: int | None = None,
) -> None:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [str(_l("Give the goods a name."))]
    else:
        same_name = sa.select(Product.id).where(Product.shop_id == shop_id, Product.name == name)
        if product_id is not None:
            same_name = same_name.where(Product.id != product_id)
        if db.session.execute(same_name).first():
            errors["name"] = [str(_l("This shop already has goods of this name."))]
    if not 1 <= points_price <= MAX_PRICE:
        errors["points_price"] = [str(_l("The price is 1 to 100,000 points."))]
    if not 0 <= low_stock_at <= MAX_STOCK:
        errors["low_stock_at"] = [str(_l("The warning level is 0 to 1,000,000."))]
    if position is not None and not 1 <= position <= MAX_POSITION:
        errors["position"] = [str(_l("The place in the list is 1 to 999, or empty."))]
    if errors:
        raise ValidationFailed(errors=errors)


# --- stock -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockChange:
    product: Product
    move: StockMove


def adjust_stock(actor: Principal, product_id: int, *, delta: int, memo: str | None) -> StockChange:
    """Staff put goods in (``delta`` > 0) or take them out (< 0, e.g. broken or expired)."""
    product = find_product(product_id)
    require_shop_manager(actor, find_shop(product.shop_id))
    if delta == 0 or abs(delta) > MAX_STOCK:
        raise ValidationFailed(errors={"delta": [str(_l("Give a change of stock other than 0."))]})
    kind = STOCK_IN if delta > 0 else STOCK_OUT
    (move,) = move_stock([(product, abs(delta))], kind, memo=memo, by=actor.user_id, returning=True)
    return StockChange(product, move)


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


def stock_history(actor: Principal, product_id: int, *, limit: int = 50) -> list[StockMove]:
    """A product's latest stock moves, newest first."""
    product = find_product(product_id)
    require_shop_reader(actor, find_shop(product.shop_id))
    return list(
        db.session.execute(
            sa.select(StockMove)
            .where(StockMove.product_id == product_id)
            .order_by(StockMove.id.desc())
            .limit(limit)
        ).scalars()
    )


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
