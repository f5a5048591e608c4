"""Shops and goods: who may change them, and the changes of stock staff make by hand.

How stock moves (a sale, a void, a change by hand) and is checked is ``counter.stock``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..ledger import service as ledger
from ..lookups import get_or_refuse
from ..ordering import natural_key
from ..villages.service import administered_village, get_village
from .models import STOCK_IN, STOCK_OUT, Product, Shop, StockMove
from .stock import MAX_STOCK, move_stock

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
