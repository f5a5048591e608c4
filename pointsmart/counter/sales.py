"""Sales at the counter (redemptions) and voids.

:func:`redeem_items` guarantees, in the caller's one transaction:

* the product rows are locked (in id order) before anything is checked, so two counters
  selling the last bar of soap at once sell it once: the second sees stock 0 (``OutOfStock``);
* the redemption row, its lines and one ``sale`` stock move per item are written first, then
  the one ledger transfer household -> shop (``ledger.redeem``, which locks the household's
  account, refuses to overdraw with ``InsufficientPoints`` and takes the village's chain head
  only for its last two writes), then the redemption is linked to its transfer: all of it
  together, or nothing;
* the price is the goods' price at the moment of the sale, kept on the receipt's lines.

:func:`void_redemption` undoes a sale once: the ledger reversal (``ledger.reverse``, which
itself refuses a second reversal), a ``void`` stock move per item, the void recorded on the
redemption. A shopkeeper voids only the shop's sales of the same day (in the village's time
zone); an admin of the village voids any.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..database import utcnow
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.errors import AccountClosed, AccountMissing, AlreadyReversed
from ..ledger.models import Account
from ..villages import cards
from ..villages.models import Household, Village
from . import goods, pins
from .errors import (
    AlreadyVoided,
    CardOfAnotherVillage,
    ProductInactive,
    ShopClosed,
    VoidTooLate,
    WrongShop,
)
from .models import SALE, VOID, Redemption, RedemptionItem, Shop

MAX_LINES = 50
MAX_QUANTITY = 999


@dataclass(frozen=True)
class SaleLine:
    product_id: int
    name: str
    points_price: int
    quantity: int

    @property
    def points(self) -> int:
        return self.points_price * self.quantity


@dataclass(frozen=True)
class Customer:
    """The household a card stands for, as the counter shows it."""

    household_id: int
    village_id: int
    number: str
    head_name: str
    balance: int
    status: str
    pin_set: bool = False
    pin_locked: bool = False


@dataclass
class RedemptionView:
    redemption: Redemption
    lines: list[SaleLine]
    customer: Customer
    shop: Shop
    extra: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.redemption, name)

    @property
    def voided(self) -> bool:
        return self.redemption.voided_at is not None

    @property
    def items(self) -> list[dict[str, Any]]:
        return [
            {
                "product_id": line.product_id,
                "name": line.name,
                "points_price": line.points_price,
                "quantity": line.quantity,
                "points": line.points,
            }
            for line in self.lines
        ]


# --- who is at the counter --------------------------------------------------------------------


def require_seller(actor: Principal, shop: Shop) -> None:
    """Only the shop's own shopkeeper sells at its counter."""
    if goods.keeps_shop(actor, shop):
        return
    if actor.shops:
        raise WrongShop()
    raise Forbidden(_l("Only this shop's keeper sells at its counter."))


# The customer at the counter in one statement: the household and its account's balance.
_households = Household.__table__
_accounts = Account.__table__
_CUSTOMER = (
    sa.select(
        _households.c.id,
        _households.c.village_id,
        _households.c.number,
        _households.c.head_name,
        _households.c.status,
        _households.c.pin_hash,
        _households.c.pin_locked_until,
        _accounts.c.balance,
    )
    .select_from(_households)
    .outerjoin(
        _accounts,
        sa.and_(
            _accounts.c.village_id == _households.c.village_id,
            _accounts.c.code == sa.bindparam("account_code"),
        ),
    )
    .where(_households.c.id == sa.bindparam("household_id"))
)


def find_customer(shop: Shop, *, card_token: str | None = None, household_id=None) -> Customer:
    """The household of a scanned or typed card (or an id), checked against the shop's village.

    Raises the card refusals (404 ``card_not_found``, 410 ``card_revoked``, 422
    ``card_code_mistyped``), 403 ``card_of_another_village`` or 404 for an unknown id.
    """
    if card_token is not None:
        household_id = cards.resolve_card(card_token)
    household = None
    if household_id:
        household = db.session.execute(
            _CUSTOMER,
            {"household_id": household_id, "account_code": ledger.household_code(household_id)},
        ).one_or_none()
    if household is None:
        raise NotFound(_l("No such household."))
    if household.village_id != shop.village_id:
        raise CardOfAnotherVillage()
    if household.balance is None:
        raise AccountMissing()
    state = pins.pin_state(household)
    return Customer(
        household_id=household.id,
        village_id=household.village_id,
        number=household.number,
        head_name=household.head_name,
        balance=household.balance,
        status=household.status,
        **state,
    )


# --- selling ---------------------------------------------------------------------------------


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
) -> RedemptionView:
    """Sell goods for a household's points at a shop's counter. See the module's guarantees.

    Refusals: 403 ``wrong_shop``, 409 ``shop_closed``, 409 ``account_closed``, 409
    ``out_of_stock``, 409 ``product_inactive``, 409 ``insufficient_points``, the card's and the
    PIN's (``pins.check_pin``), 422 for bad items.

    An offline sale (``counter.offline``) passes the time it was made on the phone
    (``made_at``, kept on the redemption), the ledger period it counts in, and a check of
    its own (``before_writing(customer, total)``) that runs once the total is known and
    before anything is written.
    """
    found = db.session.execute(
        sa.select(Shop, Village.pin_required_above)
        .join(Village, Village.id == Shop.village_id)
        .where(Shop.id == shop_id)
    ).one_or_none()
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

    products = goods.lock_products(list(wanted))
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
            raise goods.out_of_stock(product, quantity)
        lines.append(SaleLine(product.id, product.name, product.points_price, quantity))
    total = sum(line.points for line in lines)

    if before_writing is not None:
        before_writing(customer, total)
    if pins.pin_needed(pin_required_above, total):
        pins.check_pin(db.session.get(Household, customer.household_id), pin)

    # Everything but the ledger's transfer first: the transfer and the chain head are the
    # sale's last writes, so the village's chain is held as briefly as it can be.
    redemption = Redemption(
        village_id=shop.village_id,
        shop_id=shop.id,
        household_id=customer.household_id,
        total_points=total,
        created_by_id=actor.user_id,
        created_at=utcnow(),
        made_at=made_at,
    )
    db.session.add(redemption)
    db.session.flush()
    db.session.execute(
        sa.insert(RedemptionItem),
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
    goods.move_stock(
        [(products[line.product_id], line.quantity) for line in lines],
        SALE,
        by=actor.user_id,
        redemption_id=redemption.id,
    )
    memo = "; ".join(f"{line.name} x{line.quantity}" for line in lines)
    transfer = ledger.redeem(
        shop.village_id,
        customer.household_id,
        shop.id,
        total,
        memo=memo[: ledger.MAX_MEMO_LENGTH],
        posted_by_id=actor.user_id,
        period=period,
    )
    redemption.transfer_id = transfer.id
    redemption.balance_after = ledger.household_balance_after(transfer)
    return RedemptionView(
        redemption, lines, replace(customer, balance=redemption.balance_after), shop
    )


# --- voiding ---------------------------------------------------------------------------------


def void_redemption(
    actor: Principal, redemption_id: int, *, reason: str | None = None
) -> RedemptionView:
    """Undo a sale: points back to the household, goods back on the shelf. Once.

    Refusals: 404, 403 (not this village's admin nor this shop's keeper), 403
    ``void_too_late`` (a shopkeeper, after the day of the sale), 409 ``already_voided``.
    """
    redemption = db.session.execute(
        sa.select(Redemption)
        .where(Redemption.id == redemption_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if redemption is None:
        raise NotFound(_l("No such sale."))
    shop = goods.find_shop(redemption.shop_id)
    is_admin = actor.is_admin_of(shop.village_id)
    if not is_admin:
        if not goods.keeps_shop(actor, shop):
            raise WrongShop() if actor.shops else Forbidden(_l("Only this shop voids its sales."))
        timezone = db.session.execute(
            sa.select(Village.timezone).where(Village.id == shop.village_id)
        ).scalar_one()
        if _local_day(redemption.created_at, timezone) != _local_day(utcnow(), timezone):
            raise VoidTooLate()
    if redemption.voided_at is not None:
        raise AlreadyVoided()

    items = _items_of(redemption.id)
    products = goods.lock_products([item.product_id for item in items])
    reason = (reason or "").strip() or str(_l("Sale %(id)s voided", id=redemption.id))
    # The goods back on the shelf first; the ledger's reversal is the void's last write.
    goods.move_stock(
        [(products[item.product_id], item.quantity) for item in items],
        VOID,
        by=actor.user_id,
        redemption_id=redemption.id,
    )
    try:
        reversal = ledger.reverse(
            redemption.transfer_id,
            reason=reason[:200],
            posted_by_id=actor.user_id,
            village_id=shop.village_id,
        )
    except AlreadyReversed as error:  # reversed outside the counter: the sale is void already
        raise AlreadyVoided() from error
    redemption.voided_at = reversal.created_at
    redemption.void_transfer_id = reversal.id
    redemption.voided_by_id = actor.user_id
    redemption.void_reason = reason[:200]
    db.session.flush()
    view = redemption_view(redemption, shop)
    view.extra["void_balance_after"] = ledger.household_balance_after(reversal)
    return view


def _local_day(moment: dt.datetime, timezone: str) -> dt.date:
    return moment.astimezone(ZoneInfo(timezone)).date()


# --- reading ---------------------------------------------------------------------------------


def _items_of(redemption_id: int) -> list[RedemptionItem]:
    return list(
        db.session.execute(
            sa.select(RedemptionItem)
            .where(RedemptionItem.redemption_id == redemption_id)
            .order_by(RedemptionItem.id)
        ).scalars()
    )


def redemption_view(redemption: Redemption, shop: Shop | None = None) -> RedemptionView:
    shop = shop or goods.find_shop(redemption.shop_id)
    household = db.session.get(Household, redemption.household_id)
    lines = [
        SaleLine(item.product_id, item.name, item.points_price, item.quantity)
        for item in _items_of(redemption.id)
    ]
    customer = Customer(
        household_id=household.id,
        village_id=household.village_id,
        number=household.number,
        head_name=household.head_name,
        balance=redemption.balance_after,
        status=household.status,
    )
    return RedemptionView(redemption, lines, customer, shop)


def get_redemption(actor: Principal, redemption_id: int) -> RedemptionView:
    """A sale, for the village's admins and the shop's keeper (the receipt)."""
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound(_l("No such sale."))
    shop = goods.find_shop(redemption.shop_id)
    goods.require_shop_manager(actor, shop)
    return redemption_view(redemption, shop)


def can_void(actor: Principal, view: RedemptionView, timezone: str) -> bool:
    """Whether ``actor`` may void this sale now (for showing the button). Never once the
    household has moved away: its closed account takes no reversal."""
    if view.voided or view.customer.status != "active":
        return False
    if actor.is_admin_of(view.shop.village_id):
        return True
    return goods.keeps_shop(actor, view.shop) and _local_day(
        view.redemption.created_at, timezone
    ) == _local_day(utcnow(), timezone)


def sales_of_day(actor: Principal, shop_id: int, day: dt.date) -> list[RedemptionView]:
    """A shop's sales of one day (the village's time zone), newest first."""
    shop = goods.find_shop(shop_id)
    goods.require_shop_manager(actor, shop)
    timezone = ZoneInfo(
        db.session.execute(
            sa.select(Village.timezone).where(Village.id == shop.village_id)
        ).scalar_one()
    )
    start = dt.datetime.combine(day, dt.time(), tzinfo=timezone)
    end = start + dt.timedelta(days=1)
    redemptions = db.session.execute(
        sa.select(Redemption)
        .where(
            Redemption.shop_id == shop_id,
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
        .order_by(Redemption.id.desc())
        .limit(500)
    ).scalars()
    return [redemption_view(r, shop) for r in redemptions]
