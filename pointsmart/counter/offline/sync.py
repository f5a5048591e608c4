"""An offline sale reaching the server: posted once, or kept whole for the committee.

:func:`redeem_offline` guarantees, in the caller's one transaction (whose Idempotency-Key the
API claimed first, so a sale sent again gets its first answer and posts nothing):

* the sale is tried exactly as an online sale (``sales.redeem_items``), with the time it was
  made kept on the redemption, counted in that month or the current one
  (``rules.posting_period``), and the village's offline limit checked for the household's
  day of the sale (``rules.check_offline_limit``);
* if that refuses for a reason the counter could not have seen offline (``HANDED_OVER``: the
  goods were handed over), everything the try wrote is rolled back to a savepoint and one
  ``PendingOfflineSale`` is written instead, with the household, the goods at the prices the
  sale would have cost (``sales.price_of``) and the reason; nothing is posted to the ledger;
* any other refusal (not this shop's keeper, goods of another shop, a malformed request) is
  raised as for an online sale.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...accounts.auth import Principal
from ...database import utcnow
from ...errors import Problem, ValidationFailed
from ...extensions import db
from ...households import cards
from ...households.models import Household
from ...villages.models import Village
from .. import customers, goods, receipts, sales
from ..models import PendingOfflineSale, Product
from . import rules

# Refusals that mean "the counter could not have known": the sale becomes a pending one.
HANDED_OVER = frozenset(
    {
        "insufficient_points",
        "card_revoked",
        "card_not_found",
        "card_code_mistyped",
        "card_of_another_village",
        "account_closed",
        "account_not_found",
        "out_of_stock",
        "product_inactive",
        "shop_closed",
        "pin_required",
        "pin_not_set",
        "pin_wrong",
        "pin_locked",
        "offline_limit_exceeded",
        "offline_sales_off",
    }
)


@dataclass
class OfflineOutcome:
    """Exactly one of the two is set: the posted sale, or the sale kept for the committee."""

    sale: receipts.RedemptionView | None = None
    pending: PendingOfflineSale | None = None


def redeem_offline(
    actor: Principal,
    *,
    shop_id: int,
    items: list[dict[str, int]],
    made_at: dt.datetime,
    client_key: str,
    card_token: str | None = None,
    household_id: int | None = None,
) -> OfflineOutcome:
    """Post a sale made without network, or keep it as pending. See the module's guarantees."""
    shop = goods.find_shop(shop_id)
    customers.require_seller(actor, shop)
    sales.merge_lines(items)  # a malformed sale is refused, never kept
    village = db.session.get(Village, shop.village_id)
    made_at = rules.believable_time(village, made_at, utcnow())
    period = rules.posting_period(shop, village, made_at)

    def within_limit(customer: customers.Customer, total: int) -> None:
        rules.check_offline_limit(village, customer.household_id, made_at, total)

    savepoint = db.session.begin_nested()
    try:
        view = sales.redeem_items(
            actor,
            shop_id=shop.id,
            items=items,
            card_token=card_token,
            household_id=household_id,
            made_at=made_at,
            period=period,
            before_writing=within_limit,
        )
    except Problem as problem:
        savepoint.rollback()
        if problem.code not in HANDED_OVER:
            raise
        pending = _keep_pending(
            actor,
            shop.id,
            village.id,
            items,
            made_at,
            client_key,
            card_token,
            household_id,
            problem,
        )
        return OfflineOutcome(pending=pending)
    savepoint.commit()
    return OfflineOutcome(sale=view)


def _keep_pending(
    actor: Principal,
    shop_id: int,
    village_id: int,
    items: list[dict[str, int]],
    made_at: dt.datetime,
    client_key: str,
    card_token: str | None,
    household_id: int | None,
    problem: Problem,
) -> PendingOfflineSale:
    wanted = sales.merge_lines(items)
    products = {
        product.id: product
        for product in db.session.execute(
            sa.select(Product).where(Product.id.in_(list(wanted)))
        ).scalars()
    }
    lines = []
    seen = sales.prices_seen(items)
    for product_id, quantity in sorted(wanted.items()):
        product = products.get(product_id)
        if product is None or product.shop_id != shop_id:
            raise ValidationFailed(
                errors={"items": [str(_l("Goods %(id)s are not sold here.", id=product_id))]}
            )
        lines.append(
            {
                "product_id": product.id,
                "name": product.name,
                "points_price": sales.price_of(product, seen),
                "quantity": quantity,
            }
        )
    if household_id is None and card_token is not None:
        household_id = cards.household_named_by(card_token)
    if household_id is not None:
        household_id = _household_of_village(household_id, village_id)
    pending = PendingOfflineSale(
        village_id=village_id,
        shop_id=shop_id,
        household_id=household_id,
        card=card_token,
        client_key=client_key,
        items=json.dumps(lines, ensure_ascii=False),
        total_points=sum(line["points_price"] * line["quantity"] for line in lines),
        reason=problem.code,
        detail=str(problem.detail or problem.title)[:300],
        made_at=made_at,
        created_by_id=actor.user_id,
        created_at=utcnow(),
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def _household_of_village(household_id: int, village_id: int) -> int | None:
    """The household, when it is of the shop's village (a card of another village names
    none that this village could charge)."""
    return db.session.execute(
        sa.select(Household.id).where(
            Household.id == household_id, Household.village_id == village_id
        )
    ).scalar_one_or_none()
