"""Voiding a sale at the counter.

:func:`void_redemption` undoes a sale once: the ledger reversal (``ledger.reverse``, which
itself refuses a second reversal), a ``void`` stock move per item, the void recorded on the
redemption. A shopkeeper voids only the shop's sales of the same day (in the village's time
zone); an admin of the village voids any.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..database import utcnow
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.errors import AlreadyReversed
from ..periods import local_day
from ..villages.models import Village
from . import goods, stock
from .errors import (
    AlreadyVoided,
    VoidTooLate,
    WrongShop,
)
from .models import VOID, Redemption
from .receipts import RedemptionView, items_of, redemption_view


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
        # A sale voided already says so, whenever it was made (not "too late").
        if redemption.voided_at is None and local_day(redemption.created_at, timezone) != local_day(
            utcnow(), timezone
        ):
            raise VoidTooLate()
    if redemption.voided_at is not None:
        raise AlreadyVoided()

    items = items_of(redemption.id)
    products = stock.find_products([item.product_id for item in items])
    reason = (reason or "").strip() or str(_l("Sale %(id)s voided", id=redemption.id))
    # The household's account is locked before the goods, as a sale takes them (a sale of
    # the same household or goods at the same moment waits, and cannot deadlock; see
    # ``ledger.accounts``); then the goods back on the shelf; the ledger's reversal (the
    # shop's account, the chain) is the void's last write.
    ledger.lock_household_account(shop.village_id, redemption.household_id)
    stock.move_stock(
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


def can_void(actor: Principal, view: RedemptionView, timezone: str) -> bool:
    """Whether ``actor`` may void this sale now (for showing the button). Never once the
    household has moved away: its closed account takes no reversal."""
    if view.voided or view.customer.status != "active":
        return False
    if actor.is_admin_of(view.shop.village_id):
        return True
    return goods.keeps_shop(actor, view.shop) and local_day(
        view.redemption.created_at, timezone
    ) == local_day(utcnow(), timezone)
