"""Reading sales: a sale as its receipt shows it (lines at the prices of the moment, the
household, the shop), one sale for the village's admins and the shop's keeper, and a shop's
sales of one day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..extensions import db
from ..households.models import Household
from ..ledger.models import Transfer
from ..ledger.service import household_balance_after
from ..lookups import get_or_refuse
from ..villages.models import Village
from . import goods
from .customers import Customer
from .models import Redemption, RedemptionItem, Shop


@dataclass(frozen=True)
class SaleLine:
    product_id: int
    name: str
    points_price: int
    quantity: int

    @property
    def points(self) -> int:
        return self.points_price * self.quantity


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


def items_of(redemption_id: int) -> list[RedemptionItem]:
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
        for item in items_of(redemption.id)
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
    redemption = get_or_refuse(Redemption, redemption_id, _l("No such sale."))
    shop = goods.find_shop(redemption.shop_id)
    goods.require_shop_manager(actor, shop)
    view = redemption_view(redemption, shop)
    if redemption.void_transfer_id is not None:
        # What the void left the household with, beside what the sale did.
        void = db.session.execute(
            sa.select(
                Transfer.household_id,
                Transfer.kind,
                Transfer.reverses_id,
                Transfer.debit_balance_after,
                Transfer.credit_balance_after,
            ).where(Transfer.id == redemption.void_transfer_id)
        ).one()
        view.extra["void_balance_after"] = household_balance_after(void)
    return view


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
