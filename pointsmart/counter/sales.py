"""Selling at the counter (redemptions).

:func:`redeem_items` guarantees, in the caller's one transaction:

* the goods are read and checked (this shop's, offered, in stock), then the household is
  charged (``ledger.redeem``, which locks the household's account and refuses to overdraw
  with ``InsufficientPoints``), then the redemption row (naming its transfer) and its lines
  are written, then the goods' stock moves (``stock.move_stock``: a conditional UPDATE a
  product, so two counters selling the last bar of soap at once sell it once, the second
  refused with ``OutOfStock``); the transfer itself and the village's chain head are written
  when the transaction commits, after everything else the request wrote (``ledger.chain``).
  Each shared row is taken as late as it can be: the goods' rows are held from their stock
  move to the commit, the village's chain head only for those last writes. All of it
  together, or nothing;
* the price is the goods' price at the moment of the sale, kept on the receipt's lines; a sale
  made offline costs the price its counter showed when that was lower (``price_of``). The
  counter's page sends the prices it showed (``prices_shown``): a sale whose goods' price
  changed since is refused (409 ``price_changed``), so the household pays what the page
  showed it, to the point, and the receipt says the same.

Undoing a sale is ``voids``; reading sales is ``receipts``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..ledger import service as ledger
from ..ledger.errors import AccountClosed
from ..villages.models import Village
from . import pins, stock
from .customers import Customer, find_customer, require_seller
from .errors import (
    PriceChanged,
    ProductInactive,
    ShopClosed,
)
from .models import SALE, Redemption, RedemptionItem, Shop
from .receipts import RedemptionView, SaleLine

MAX_LINES = 50
MAX_QUANTITY = 999

# Built once, as the ledger's statements are: every sale runs it.
_SHOP_AND_PIN_RULE = (
    sa.select(Shop, Village.pin_required_above)
    .join(Village, Village.id == Shop.village_id)
    .where(Shop.id == sa.bindparam("shop_id"))
)
_INSERT_LINES = RedemptionItem.__table__.insert()


def merge_lines(items: list[dict[str, int]]) -> dict[int, int]:
    """``[{product_id, quantity}]`` -> ``{product_id: total quantity}``, validated."""
    wanted: dict[int, int] = {}
    for item in items:
        wanted[item["product_id"]] = wanted.get(item["product_id"], 0) + item["quantity"]
    errors = {}
    if not wanted:
        errors["items"] = [str(_l("Pick at least one item."))]
    elif len(wanted) > MAX_LINES:
        errors["items"] = [str(_l("At most %(n)s different goods in one sale.", n=MAX_LINES))]
    elif any(not 1 <= quantity <= MAX_QUANTITY for quantity in wanted.values()):
        errors["items"] = [str(_l("A quantity is 1 to %(n)s.", n=MAX_QUANTITY))]
    if errors:
        raise ValidationFailed(errors=errors)
    return wanted


def prices_seen(items: list[dict[str, int]]) -> dict[int, int]:
    """``{product_id: price}`` of the lines an offline counter sent with the price it showed
    (the lowest, if a product's lines differ)."""
    seen: dict[int, int] = {}
    for item in items:
        if item.get("points_price") is not None:
            price = item["points_price"]
            seen[item["product_id"]] = min(price, seen.get(item["product_id"], price))
    return seen


def price_of(product, seen: dict[int, int]) -> int:
    """What one of the goods costs in a sale: today's price, or the lower one the offline
    counter showed when the sale was agreed (never more than either)."""
    return min(product.points_price, seen.get(product.id, product.points_price))


def refuse_changed_prices(
    products: dict, prices_shown: dict[int, int], wanted: dict[int, int]
) -> None:
    """409 ``price_changed`` naming the goods picked whose price is no longer the one shown."""
    changed = [
        _l(
            "%(name)s now costs %(price)s points, not %(shown)s.",
            name=products[pid].name,
            price=products[pid].points_price,
            shown=prices_shown[pid],
        )
        for pid in sorted(wanted)
        if pid in prices_shown and products[pid].points_price != prices_shown[pid]
    ]
    if changed:
        raise PriceChanged(" ".join(str(message) for message in changed))


def redeem_items(
    actor: Principal,
    *,
    shop_id: int,
    items: list[dict[str, int]],
    card_token: str | None = None,
    household_id: int | None = None,
    pin: str | None = None,
    made_at: dt.datetime | None = None,
    period: str | None = None,
    before_writing: Callable[[Customer, int], None] | None = None,
    prices_shown: dict[int, int] | None = None,
) -> RedemptionView:
    """Sell goods for a household's points at a shop's counter. See the module's guarantees.

    Refusals: 403 ``wrong_shop``, 409 ``shop_closed``, 409 ``account_closed``, 409
    ``out_of_stock``, 409 ``product_inactive``, 409 ``insufficient_points``, the card's and the
    PIN's (``pins.check_pin``), 422 for bad items, 409 ``price_changed`` when a price in
    ``prices_shown`` (``{product_id: price}``, what the counter's page showed) is not today's.

    An offline sale (``counter.offline``) passes the time it was made on the phone
    (``made_at``, kept on the redemption), the ledger period it counts in, and a check of
    its own (``before_writing(customer, total)``) that runs once the total is known and
    before anything is written.
    """
    found = db.session.execute(_SHOP_AND_PIN_RULE, {"shop_id": shop_id}).one_or_none()
    if found is None:
        raise NotFound(_l("No such shop."))
    shop, pin_required_above = found
    require_seller(actor, shop)
    if not shop.active:
        raise ShopClosed()
    wanted = merge_lines(items)
    customer = find_customer(shop, card_token=card_token, household_id=household_id)
    if customer.status != "active":
        raise AccountClosed()

    products = stock.find_products(list(wanted))
    seen = prices_seen(items)
    lines = []
    for product_id, quantity in sorted(wanted.items()):
        product = products.get(product_id)
        if product is None or product.shop_id != shop.id:
            raise ValidationFailed(
                errors={"items": [str(_l("Goods %(id)s are not sold here.", id=product_id))]}
            )
        if not product.active:
            raise ProductInactive(_l("%(name)s is no longer offered.", name=product.name))
        if product.stock < quantity:
            raise stock.out_of_stock(product, quantity)
        lines.append(SaleLine(product.id, product.name, price_of(product, seen), quantity))
    refuse_changed_prices(products, prices_shown or {}, wanted)
    total = sum(line.points for line in lines)

    if before_writing is not None:
        before_writing(customer, total)
    if pins.pin_needed(pin_required_above, total):
        pins.check_pin(db.session.get(Household, customer.household_id), pin)

    # The household's account is locked and charged here; the transfer's row and the
    # village's chain head are written when the sale commits, after everything else the
    # request writes (the redemption names the transfer by the id it will have).
    memo = "; ".join(f"{line.name} x{line.quantity}" for line in lines)
    transfer = ledger.redeem(
        shop.village_id,
        customer.household_id,
        shop.id,
        total,
        memo=memo[: ledger.MAX_MEMO_LENGTH],
        posted_by_id=actor.user_id,
        period=period,
        at_commit=True,
    )
    redemption = Redemption(
        village_id=shop.village_id,
        shop_id=shop.id,
        household_id=customer.household_id,
        total_points=total,
        transfer_id=transfer.id,
        balance_after=ledger.household_balance_after(transfer),
        created_by_id=actor.user_id,
        # The posting's own moment, the one its ledger period was taken from: a sale a few
        # milliseconds before midnight counts in the same month on its receipt and its bill.
        created_at=transfer.created_at,
        made_at=made_at,
    )
    db.session.add(redemption)
    db.session.flush()
    db.session.execute(
        _INSERT_LINES,
        [
            {
                "redemption_id": redemption.id,
                "product_id": line.product_id,
                "name": line.name,
                "points_price": line.points_price,
                "quantity": line.quantity,
            }
            for line in lines
        ],
    )
    stock.move_stock(
        [(products[line.product_id], line.quantity) for line in lines],
        SALE,
        by=actor.user_id,
        redemption_id=redemption.id,
    )
    return RedemptionView(
        redemption, lines, replace(customer, balance=redemption.balance_after), shop
    )
