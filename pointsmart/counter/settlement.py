"""What the village owes a shop for a month, and settling it once.

A month's *points redeemed* at a shop are the points of the redemptions posted in that month
(the ledger's ``period``: the month in the village's time zone) and of the offline sales the
committee resolved in that month (an offline shortfall or a write-off, see
``counter.offline``), minus the points of voids posted in that month. A void counts in the
month it happens, like every ledger reversal, so a settled month never changes afterwards: a
sale of March voided in April lowers April's bill.

Settling posts one shop -> settled transfer for those points, at the village's
``yuan_per_point`` of that moment (kept on the settlement), and records the settlement; a
shop's month is settled once (409 ``already_settled``), and only after it has ended
(409 ``period_open``), so no later sale of the month can be left out. A month whose voids
outweigh its sales has nothing to settle (409 ``nothing_to_settle``); the shop's statement
shows the negative figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.models import REDEEM, SHORTFALL, WRITE_OFF, Account, Transfer
from ..periods import current_period, is_valid_period
from ..villages.models import Village
from . import goods
from .errors import AlreadySettled, NothingToSettle, PeriodOpen
from .models import Settlement, Shop

CENT = Decimal("0.01")
# What a shop is paid for: its sales, and offline sales the committee resolved (the
# household's shortfall or the village's write-off).
PAID_KINDS = (REDEEM, SHORTFALL, WRITE_OFF)


@dataclass
class MonthStatement:
    shop: Shop
    village: Village
    period: str
    sales_points: int
    sales_count: int
    voided_points: int
    voids_count: int
    yuan_per_point: Decimal
    settlement: Settlement | None
    open: bool
    days: list[dict] = field(default_factory=list)

    @property
    def points_redeemed(self) -> int:
        return self.sales_points - self.voided_points

    @property
    def yuan(self) -> Decimal:
        return to_yuan(self.points_redeemed, self.yuan_per_point)

    @property
    def settled(self) -> bool:
        return self.settlement is not None

    @property
    def transfer_id(self) -> int | None:
        return self.settlement.transfer_id if self.settlement else None

    @property
    def settled_at(self) -> dt.datetime | None:
        return self.settlement.created_at if self.settlement else None

    @property
    def shop_id(self) -> int:
        return self.shop.id


def to_yuan(points: int, yuan_per_point: Decimal) -> Decimal:
    return (Decimal(points) * yuan_per_point).quantize(CENT, rounding=ROUND_HALF_UP)


def _check_period(period: str) -> None:
    if not is_valid_period(period):
        raise ValidationFailed(errors={"period": [str(_l("A period is written YYYY-MM."))]})


def month_statement(
    actor: Principal, shop_id: int, period: str, *, with_days: bool = False
) -> MonthStatement:
    """A shop's month: sales, voids, net points and yuan, and whether it is settled.

    For the village's admins and the shop's keeper (who signs the printed statement).
    """
    _check_period(period)
    shop = goods.find_shop(shop_id)
    goods.require_shop_manager(actor, shop)
    return _statement(shop, period, with_days=with_days)


def _statement(shop: Shop, period: str, *, with_days: bool = False) -> MonthStatement:
    village = db.session.get(Village, shop.village_id)
    account_id = db.session.execute(
        sa.select(Account.id).where(
            Account.village_id == shop.village_id, Account.code == ledger.shop_code(shop.id)
        )
    ).scalar_one()
    sold = Transfer.credit_account_id == account_id
    voided = Transfer.debit_account_id == account_id
    this_month = sa.and_(
        Transfer.village_id == shop.village_id,
        Transfer.kind.in_(PAID_KINDS),
        Transfer.period == period,
        sa.or_(sold, voided),
    )
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((sold, Transfer.amount), else_=0)), 0),
            sa.func.count(sa.case((sold, 1))),
            sa.func.coalesce(sa.func.sum(sa.case((voided, Transfer.amount), else_=0)), 0),
            sa.func.count(sa.case((voided, 1))),
        ).where(this_month)
    ).one()
    settlement = db.session.execute(
        sa.select(Settlement).where(Settlement.shop_id == shop.id, Settlement.period == period)
    ).scalar_one_or_none()
    statement = MonthStatement(
        shop=shop,
        village=village,
        period=period,
        sales_points=int(row[0]),
        sales_count=int(row[1]),
        voided_points=int(row[2]),
        voids_count=int(row[3]),
        yuan_per_point=settlement.yuan_per_point if settlement else village.yuan_per_point,
        settlement=settlement,
        open=period >= current_period(village.timezone),
    )
    if with_days:
        statement.days = _by_day(this_month, sold, village.timezone)
    return statement


def _by_day(this_month, sold, timezone: str) -> list[dict]:
    zone = ZoneInfo(timezone)
    days: dict[dt.date, dict] = {}
    rows = db.session.execute(
        sa.select(Transfer.created_at, Transfer.amount, sold.label("is_sale"))
        .where(this_month)
        .order_by(Transfer.id)
    )
    for created_at, amount, is_sale in rows:
        day = created_at.astimezone(zone).date()
        entry = days.setdefault(day, {"day": day, "sales": 0, "sold": 0, "voids": 0, "voided": 0})
        if is_sale:
            entry["sales"] += 1
            entry["sold"] += amount
        else:
            entry["voids"] += 1
            entry["voided"] += amount
    return [days[day] for day in sorted(days)]


def settle_month(actor: Principal, shop_id: int, period: str) -> MonthStatement:
    """Pay a shop's month: one shop -> settled transfer and the settlement record. Once."""
    _check_period(period)
    # Lock the shop's row: two admins settling at once settle once.
    shop = db.session.execute(
        sa.select(Shop)
        .where(Shop.id == shop_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if shop is None:
        raise NotFound(_l("No such shop."))
    actor.require_admin(shop.village_id)
    statement = _statement(shop, period)
    if statement.settled:
        raise AlreadySettled()
    if statement.open:
        raise PeriodOpen()
    if statement.points_redeemed <= 0:
        raise NothingToSettle()
    yuan = statement.yuan
    transfer = ledger.settle(
        shop.village_id,
        shop.id,
        statement.points_redeemed,
        period=period,
        memo=str(_l("Settlement %(period)s: %(yuan)s yuan", period=period, yuan=yuan)),
        posted_by_id=actor.user_id,
    )
    settlement = Settlement(
        shop_id=shop.id,
        period=period,
        points=statement.points_redeemed,
        yuan_per_point=statement.yuan_per_point,
        yuan=yuan,
        transfer_id=transfer.id,
        settled_by_id=actor.user_id,
        created_at=transfer.created_at,
    )
    db.session.add(settlement)
    db.session.flush()
    statement.settlement = settlement
    return statement
