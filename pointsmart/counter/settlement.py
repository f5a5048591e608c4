"""What the village owes a shop for a month, and settling it once.

A month's *points redeemed* at a shop are the points of the redemptions posted in that month
(the ledger's ``period``: the month in the village's time zone) and of the offline sales the
committee resolved in that month (an offline shortfall or a write-off, see
``counter.offline``), minus the points of voids posted in that month. A void counts in the
month it happens, like every ledger reversal, so a settled month never changes afterwards: a
sale of March voided in April lowers April's bill.

A void of a month already paid takes back points the village has paid for: the shop owes
them until later sales make up for them. So a month's *points due* are its points redeemed
plus the *carried difference* from the months before it, found by walking them in order: a
settled month passes on its net less what was paid for it, an unsettled one passes on only
what it cannot claim itself (its net with what it was carried, when that is below zero; the
rest it claims when it is settled, and a later month's voids take from that first: it was
never paid). The carried difference is below zero for voids of months
already paid that no sale has made up for yet, and above zero for points an earlier month
held back: the due points are never more than the shop's account holds, so a month settled
after a later month's voids pays less, and the later month, whose net those voids lowered,
pays the rest. A month whose voids outweigh its sales (with the carried difference) has
nothing to settle (409 ``nothing_to_settle``); its statement shows what it carries on.

Example: March sells 250 and is settled; April voids that sale (April: -250, carried on);
May sells 40: May's statement shows 40 redeemed, -250 carried, 0 due, -210 carried on, and
settling May is refused as ``nothing_to_settle``, as the statement says. June sells 300: 90
due.

Settling posts one shop -> settled transfer for the due points, at the village's
``yuan_per_point`` of that moment (kept on the settlement), and records the settlement; a
shop's month is settled once (409 ``already_settled``), and only after it has ended
(409 ``period_open``), so no later sale of the month can be left out. The statement and the
settlement agree: what the statement shows due is what settling posts, read under the lock of
the shop's account, and the ledger's check that the shop's account covers it always holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import NotFound
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.models import REDEEM, SHORTFALL, WRITE_OFF, Account, Transfer
from ..periods import checked_period, current_period
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
    # The carried difference from the months before (see the module's description): below 0
    # for voids of months already paid, above 0 for points an earlier month held back.
    carried_points: int = 0
    # The shop's account now (what a settlement may take at most).
    balance: int = 0
    days: list[dict] = field(default_factory=list)

    @property
    def points_redeemed(self) -> int:
        return self.sales_points - self.voided_points

    @property
    def points_due(self) -> int:
        """What settling the month pays (or paid): never below 0, never more than the shop's
        account holds."""
        if self.settlement is not None:
            return self.settlement.points
        return max(0, min(self.points_redeemed + self.carried_points, self.balance))

    @property
    def carried_on(self) -> int:
        """Points this month carries on to the next (0 or below)."""
        if self.settlement is not None:
            return 0
        return min(0, self.points_redeemed + self.carried_points)

    @property
    def held_back(self) -> int:
        """Due points held back because a later month's voids took them already (rare: an
        earlier month settled after a later one's voids)."""
        return max(0, self.points_redeemed + self.carried_points - self.points_due)

    @property
    def yuan(self) -> Decimal:
        """The yuan owed for the month: its due points at the rate."""
        return to_yuan(self.points_due, self.yuan_per_point)

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


def month_statement(
    actor: Principal, shop_id: int, period: str, *, with_days: bool = False
) -> MonthStatement:
    """A shop's month: sales, voids, net points and yuan, and whether it is settled.

    For the village's admins and the shop's keeper (who signs the printed statement).
    """
    checked_period(period)
    shop = goods.find_shop(shop_id)
    goods.require_shop_manager(actor, shop)
    return _statement(shop, period, with_days=with_days)


def _statement(
    shop: Shop, period: str, *, with_days: bool = False, lock: bool = False
) -> MonthStatement:
    """The month's statement. With ``lock`` the shop's account is locked first (settling), so
    nothing moves it between the figures and the settlement's posting."""
    village = db.session.get(Village, shop.village_id)
    account = sa.select(Account.id, Account.balance).where(
        Account.village_id == shop.village_id, Account.code == ledger.shop_code(shop.id)
    )
    if lock:
        account = account.with_for_update()
    account_id, balance = db.session.execute(account).one()
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
        carried_points=_carried_into(shop, account_id, period),
        balance=balance,
    )
    if with_days:
        statement.days = _by_day(this_month, sold, village.timezone)
    return statement


def _carried_into(shop: Shop, account_id: int, period: str) -> int:
    """The carried difference into ``period``: the months before it walked in order, each
    settled one passing on its net less what was paid for it, each unsettled one what it
    cannot claim itself (see the module's description)."""
    sold = Transfer.credit_account_id == account_id
    nets = dict(
        db.session.execute(
            sa.select(
                Transfer.period,
                sa.func.sum(sa.case((sold, Transfer.amount), else_=-Transfer.amount)),
            )
            .where(
                Transfer.village_id == shop.village_id,
                Transfer.kind.in_(PAID_KINDS),
                Transfer.period < period,
                sa.or_(sold, Transfer.debit_account_id == account_id),
            )
            .group_by(Transfer.period)
        ).all()
    )
    paid = dict(
        db.session.execute(
            sa.select(Settlement.period, Settlement.points).where(
                Settlement.shop_id == shop.id, Settlement.period < period
            )
        ).all()
    )
    carried = 0
    # What the unsettled months before claim themselves (their net with what they were
    # carried, when above 0): not paid yet, so a later month's voids take from it first, and
    # only the rest is owed back as voids of months already paid.
    unclaimed = 0
    for month in sorted(nets.keys() | paid.keys()):
        net = int(nets.get(month, 0))
        if month in paid:
            carried += net - paid[month]
        elif carried + net >= 0:
            unclaimed += carried + net
            carried = 0
        else:
            taken = min(unclaimed, -(carried + net))
            unclaimed -= taken
            carried = carried + net + taken
    return carried


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
    checked_period(period)
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
    statement = _statement(shop, period, lock=True)
    if statement.settled:
        raise AlreadySettled()
    if statement.open:
        raise PeriodOpen()
    if statement.points_due <= 0:
        if statement.held_back > 0:  # its own sum is above 0; the account holds nothing for it
            detail = _l(
                "Nothing is due for %(period)s: its %(points)s points were taken back by "
                "voids of later months already.",
                period=period,
                points=statement.held_back,
            )
        else:
            detail = _l(
                "Nothing is due for %(period)s: its points redeemed (%(points)s) with the "
                "%(carried)s points carried from earlier voids come to no more than 0.",
                period=period,
                points=statement.points_redeemed,
                carried=statement.carried_points,
            )
        raise NothingToSettle(
            detail,
            points_redeemed=statement.points_redeemed,
            carried_points=statement.carried_points,
            held_back=statement.held_back,
        )
    due = statement.points_due
    yuan = statement.yuan
    transfer = ledger.settle(
        shop.village_id,
        shop.id,
        due,
        period=period,
        memo=str(_l("Settlement %(period)s: %(yuan)s yuan", period=period, yuan=yuan)),
        posted_by_id=actor.user_id,
    )
    settlement = Settlement(
        shop_id=shop.id,
        period=period,
        points=due,
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
