"""Offline sales the server refused at sync: the shop's "needs attention" list, the
committee's reconciliation, and the two resolutions.

:func:`resolve` guarantees, in the caller's one transaction: the pending sale's row is
locked first, so two admins resolve it once (409 ``offline_sale_resolved`` for the second);
it posts exactly one ledger transfer for the sale's points, an offline shortfall (household
-> shop, which may take the household below zero) or a write-off (issued -> shop: the village
pays), so either way the shop is paid for what it handed over; it takes the goods off the
stock as an ``out`` move (as far as the stock goes: goods the stock said were gone were
handed over all the same); and it records the resolution on the sale.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...accounts.auth import Principal
from ...errors import NotFound, ValidationFailed
from ...extensions import db
from ...households.models import Household
from ...ledger import service as ledger
from ...ledger.models import SHORTFALL, WRITE_OFF, Account
from ...villages.service import administered_village
from .. import goods, stock
from ..errors import NoHouseholdToCharge, OfflineSaleResolved
from ..models import (
    OFFLINE_SALE_STATUSES,
    PENDING,
    STOCK_OUT,
    PendingOfflineSale,
    Shop,
)

RESOLUTIONS = (SHORTFALL, WRITE_OFF)
LIST_LIMIT = 200


@dataclass
class OfflineSaleView:
    """A pending (or resolved) offline sale with its household and shop, for the lists."""

    sale: PendingOfflineSale
    shop_name: str
    household_number: str | None
    household_name: str | None
    household_balance: int | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sale, name)


def _views(rows) -> list[OfflineSaleView]:
    return [
        OfflineSaleView(
            sale=sale,
            shop_name=shop_name,
            household_number=number,
            household_name=name,
            household_balance=balance,
            lines=json.loads(sale.items),
        )
        for sale, shop_name, number, name, balance in rows
    ]


def _listing():
    return (
        sa.select(
            PendingOfflineSale, Shop.name, Household.number, Household.head_name, Account.balance
        )
        .join(Shop, Shop.id == PendingOfflineSale.shop_id)
        .outerjoin(Household, Household.id == PendingOfflineSale.household_id)
        .outerjoin(Account, Account.household_id == PendingOfflineSale.household_id)
        .order_by(PendingOfflineSale.made_at, PendingOfflineSale.id)
        .limit(LIST_LIMIT)
    )


def _check_status(status: str | None) -> None:
    if status is not None and status not in OFFLINE_SALE_STATUSES:
        raise ValidationFailed(
            errors={"status": [str(_l("Unknown status."))]}, allowed=list(OFFLINE_SALE_STATUSES)
        )


def needs_attention(actor: Principal, shop_id: int, status: str | None = PENDING):
    """A shop's offline sales the server refused (pending by default), oldest made first.
    For the shop's keeper and the village's admins."""
    _check_status(status)
    shop = goods.find_shop(shop_id)
    goods.require_shop_manager(actor, shop)
    statement = _listing().where(PendingOfflineSale.shop_id == shop.id)
    if status is not None:
        statement = statement.where(PendingOfflineSale.status == status)
    return _views(db.session.execute(statement))


def reconciliation(actor: Principal, village_id: int, status: str | None = PENDING):
    """A village's offline sales the server refused, every shop (admins of the village);
    404 for a village that does not exist (an admin of every village may name any)."""
    _check_status(status)
    administered_village(actor, village_id)
    statement = _listing().where(PendingOfflineSale.village_id == village_id)
    if status is not None:
        statement = statement.where(PendingOfflineSale.status == status)
    return _views(db.session.execute(statement))


def recently_resolved(actor: Principal, village_id: int, limit: int = 20):
    """A village's offline sales the committee resolved last, the latest first (admins)."""
    administered_village(actor, village_id)
    statement = (
        _listing()
        .where(
            PendingOfflineSale.village_id == village_id,
            PendingOfflineSale.status != PENDING,
        )
        .order_by(None)
        .order_by(PendingOfflineSale.resolved_at.desc(), PendingOfflineSale.id.desc())
        .limit(limit)
    )
    return _views(db.session.execute(statement))


def find_offline_sale(actor: Principal, sale_id: int) -> OfflineSaleView:
    """One offline sale, for the village's admins and its shop's keeper."""
    found = db.session.execute(_listing().where(PendingOfflineSale.id == sale_id)).one_or_none()
    if found is None:
        raise NotFound(_l("No such offline sale."))
    goods.require_shop_manager(actor, goods.find_shop(found[0].shop_id))
    return _views([found])[0]


def resolve(
    actor: Principal, sale_id: int, resolution: str, *, memo: str | None = None
) -> OfflineSaleView:
    """Resolve a pending offline sale (admin of its village). See the module's guarantees.

    ``resolution``: ``shortfall`` (the household pays, even below zero) or ``write_off``
    (the village pays). Refusals: 404, 403, 409 ``offline_sale_resolved``, 409
    ``no_household_to_charge`` (a shortfall for a card that named no household), 409
    ``account_closed`` (a shortfall for a household that has moved away), 422.
    """
    if resolution not in RESOLUTIONS:
        raise ValidationFailed(
            errors={"resolution": [str(_l("Choose shortfall or write_off."))]},
            allowed=list(RESOLUTIONS),
        )
    memo = (memo or "").strip() or None
    if memo is not None and len(memo) > 200:
        raise ValidationFailed(errors={"memo": [str(_l("At most %(max)s characters.", max=200))]})
    sale = db.session.execute(
        sa.select(PendingOfflineSale)
        .where(PendingOfflineSale.id == sale_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if sale is None:
        raise NotFound(_l("No such offline sale."))
    actor.require_admin(sale.village_id)
    if sale.status != PENDING:
        raise OfflineSaleResolved()
    if resolution == SHORTFALL and sale.household_id is None:
        raise NoHouseholdToCharge()
    lines = json.loads(sale.items)
    household_id = sale.household_id if resolution == SHORTFALL else None
    if household_id is not None:
        # The household's account before the goods, the order a sale takes them in (a sale
        # of the same household at the same moment waits, and cannot deadlock).
        ledger.lock_household_account(sale.village_id, household_id)
    _take_off_the_shelf(lines, sale, actor.user_id)
    words = "; ".join(f"{line['name']} x{line['quantity']}" for line in lines)
    transfer = ledger.post(
        resolution,
        sale.village_id,
        sale.total_points,
        household_id=household_id,
        shop_id=sale.shop_id,
        memo=_memo(sale, resolution, words, memo)[: ledger.MAX_MEMO_LENGTH],
        posted_by_id=actor.user_id,
    )
    sale.status = resolution
    sale.transfer_id = transfer.id
    sale.resolved_by_id = actor.user_id
    sale.resolved_at = transfer.created_at
    sale.resolution_memo = memo
    db.session.flush()
    return find_offline_sale(actor, sale.id)


def _memo(sale: PendingOfflineSale, resolution: str, words: str, memo: str | None) -> str:
    """A shortfall's memo is the goods (the villager reads it in the household's history);
    a write-off's names the offline sale and the household too: no household account moves,
    so the memo is where the ledger says whose sale the village paid for."""
    text = words
    if resolution == WRITE_OFF:
        text = str(_l("Offline sale %(id)s: %(goods)s", id=sale.id, goods=words))
        if sale.household_id is not None:
            number = db.session.execute(
                sa.select(Household.number).where(Household.id == sale.household_id)
            ).scalar_one()
            text = str(_l("Household %(number)s", number=number)) + " · " + text
    return f"{text} ({memo})" if memo else text


def _take_off_the_shelf(lines: list[dict[str, Any]], sale: PendingOfflineSale, by) -> None:
    """The goods left the shop: an ``out`` move each, as far as the recorded stock goes."""
    products = stock.find_products([line["product_id"] for line in lines], lock=True)
    moves = []
    for line in lines:
        product = products.get(line["product_id"])
        quantity = min(line["quantity"], product.stock) if product is not None else 0
        if quantity > 0:
            moves.append((product, quantity))
    stock.move_stock(moves, STOCK_OUT, by=by, memo=str(_l("Offline sale %(id)s", id=sale.id)))
