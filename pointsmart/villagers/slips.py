"""Statement slips (对账单): one printed slip per household of a grid, for the grid worker to
hand to households without a smartphone.

A slip shows the household number and head, the balance now, the month's entries in plain
words (what for, when, points, who recorded it), the month's earned / deducted / redeemed,
the points earned in the year up to the month, the rank of the month in the village and in
the grid, the goods the balance can buy now, and the village's phone for questions. Every
active household of the grid gets a slip, with or without entries in the month.

The whole grid (or village) is read with a fixed number of queries, however many households
it has: the households with their cached balance, the month's and the year's totals and both
ranks (window functions over the monthly totals, ranked as the leaderboard ranks: earned -
deducted, ties share a rank), the month's entries in one query, the goods in one, the village
and the grid in one each. Nothing scans the ledger per household.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..accounts.models import User
from ..counter.models import Product, Redemption, Shop
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..ledger.models import (
    AWARD,
    DEDUCT,
    EXPIRE,
    REDEEM,
    SHORTFALL,
    Account,
    MonthlyTotal,
    Transfer,
)
from ..ledger.service import household_signed_amount
from ..lookups import village_row
from ..periods import checked_period, current_period, local_today
from ..rules.models import Rule, RuleVersion
from ..villages.models import Grid, Village
from .service import CATEGORY_WORDS

# Household transfers a slip lists (settlements never name a household).
SLIP_KINDS = (AWARD, DEDUCT, REDEEM, EXPIRE, SHORTFALL)


@dataclass(frozen=True)
class SlipEntry:
    day: dt.date  # when it was recorded (an offline sale: made), in the village's time zone
    words: str  # what it was for, in plain words
    points: int  # signed, from the household's point of view
    who: str  # who recorded it ("" for the system)


@dataclass
class Slip:
    household_id: int
    number: str
    head_name: str
    grid_name: str
    balance: int
    earned: int
    deducted: int
    redeemed: int
    year_earned: int
    village_rank: int
    grid_rank: int | None
    entries: list[SlipEntry] = field(default_factory=list)
    affordable: list[tuple[str, int]] = field(default_factory=list)  # (goods, points price)


@dataclass
class SlipBatch:
    village_id: int
    village_name: str
    village_phone: str | None
    period: str
    grid_name: str | None  # None: the whole village
    printed_on: dt.date
    slips: list[Slip]


def statement_slips(
    actor: Principal, village_id: int, period: str | None = None, *, grid_id: int | None = None
) -> SlipBatch:
    """The slips of a village's active households (or one grid's), by household number, for
    a month (default: this month). Leaders and admins of the village."""
    village = db.session.execute(
        sa.select(Village.id, Village.name, Village.phone, Village.timezone).where(
            Village.id == village_id
        )
    ).one_or_none()
    if village is None:
        raise NotFound(_l("No such village."))
    actor.require_awarder(village_id)
    today = current_period(village.timezone)
    period = checked_period(period or today, "month", latest=today)  # no slips of the future
    grid_name = None
    if grid_id is not None:
        grid = village_row(Grid, grid_id, village_id)
        if grid is None:
            raise ValidationFailed(errors={"grid_id": [str(_l("No such grid in this village."))]})
        grid_name = grid.name
    slips = _households(village_id, period, grid_id)
    by_household = {slip.household_id: slip for slip in slips}
    for household_id, entry in _month_entries(village_id, period, grid_id, village.timezone):
        slip = by_household.get(household_id)
        if slip is not None:
            slip.entries.append(entry)
    goods = _goods(village_id)
    for slip in slips:
        slip.affordable = [(name, price) for name, price in goods if price <= slip.balance]
    return SlipBatch(
        village_id=village_id,
        village_name=village.name,
        village_phone=village.phone,
        period=period,
        grid_name=grid_name,
        printed_on=local_today(village.timezone),
        slips=slips,
    )


def _households(village_id: int, period: str, grid_id: int | None) -> list[Slip]:
    """One query: every household with its balance, totals and ranks (ranked over the whole
    village as the leaderboard ranks, then narrowed to the grid)."""
    month = (
        sa.select(
            MonthlyTotal.household_id,
            MonthlyTotal.earned,
            MonthlyTotal.deducted,
            MonthlyTotal.redeemed,
        )
        .where(MonthlyTotal.village_id == village_id, MonthlyTotal.period == period)
        .subquery()
    )
    year = (
        sa.select(MonthlyTotal.household_id, sa.func.sum(MonthlyTotal.earned).label("year_earned"))
        .where(
            MonthlyTotal.village_id == village_id,
            MonthlyTotal.period >= f"{period[:4]}-01",
            MonthlyTotal.period <= period,
        )
        .group_by(MonthlyTotal.household_id)
        .subquery()
    )
    score = sa.func.coalesce(month.c.earned, 0) - sa.func.coalesce(month.c.deducted, 0)
    ranked = (
        sa.select(
            Household.id.label("household_id"),
            Household.number,
            Household.head_name,
            Household.status,
            Household.grid_id,
            Grid.name.label("grid_name"),
            Account.balance,
            sa.func.coalesce(month.c.earned, 0).label("earned"),
            sa.func.coalesce(month.c.deducted, 0).label("deducted"),
            sa.func.coalesce(month.c.redeemed, 0).label("redeemed"),
            sa.func.coalesce(year.c.year_earned, 0).label("year_earned"),
            sa.func.rank().over(order_by=score.desc()).label("village_rank"),
            sa.func.rank()
            .over(partition_by=Household.grid_id, order_by=score.desc())
            .label("grid_rank"),
        )
        .join(Account, Account.household_id == Household.id)
        .outerjoin(month, month.c.household_id == Household.id)
        .outerjoin(year, year.c.household_id == Household.id)
        .outerjoin(Grid, Grid.id == Household.grid_id)
        .where(
            Household.village_id == village_id,
            # The leaderboard's households: the active ones, and any with entries this month.
            sa.or_(Household.status == "active", month.c.household_id.is_not(None)),
        )
        .subquery()
    )
    statement = sa.select(ranked).where(ranked.c.status == "active")
    if grid_id is not None:
        statement = statement.where(ranked.c.grid_id == grid_id)
    rows = db.session.execute(statement.order_by(ranked.c.number, ranked.c.household_id)).all()
    return [
        Slip(
            household_id=row.household_id,
            number=row.number,
            head_name=row.head_name,
            grid_name=row.grid_name or "",
            balance=int(row.balance),
            earned=int(row.earned),
            deducted=int(row.deducted),
            redeemed=int(row.redeemed),
            year_earned=int(row.year_earned),
            village_rank=int(row.village_rank),
            grid_rank=int(row.grid_rank) if row.grid_id is not None else None,
        )
        for row in rows
    ]


# The entry a reversal undid (its memo names what it was for; the reversal's own memo is
# the reason for undoing it).
_reversed = Transfer.__table__.alias("reversed")


def _month_entries(village_id: int, period: str, grid_id: int | None, timezone: str):
    """One query: the month's household transfers of the village (or grid), oldest first,
    with the rule's name, who recorded each, for a reversal what it undid and for an offline
    sale when it was made."""
    statement = (
        sa.select(
            Transfer.household_id,
            Transfer.kind,
            Transfer.category,
            Transfer.amount,
            Transfer.reverses_id,
            Transfer.memo,
            Transfer.created_at,
            _reversed.c.memo.label("reversed_memo"),
            Redemption.made_at,
            Rule.name.label("rule_name"),
            User.display_name,
            User.username,
        )
        .outerjoin(_reversed, _reversed.c.id == Transfer.reverses_id)
        .outerjoin(Redemption, Redemption.transfer_id == Transfer.id)
        .outerjoin(RuleVersion, RuleVersion.id == Transfer.rule_version_id)
        .outerjoin(Rule, Rule.id == RuleVersion.rule_id)
        .outerjoin(User, User.id == Transfer.posted_by_id)
        .where(
            Transfer.village_id == village_id,
            # Every kind named, so the (village_id, kind, period) index answers.
            Transfer.kind.in_(SLIP_KINDS),
            Transfer.period == period,
        )
        .order_by(Transfer.id)
    )
    if grid_id is not None:
        statement = statement.join(Household, Household.id == Transfer.household_id).where(
            Household.grid_id == grid_id
        )
    zone = ZoneInfo(timezone)
    for row in db.session.execute(statement):
        if row.household_id is None:
            continue
        yield (
            row.household_id,
            SlipEntry(
                # An offline sale: the day it was made, as the household's page shows it
                # (it counts in that month, and reached the ledger a day or more later).
                day=(row.made_at or row.created_at).astimezone(zone).date(),
                words=entry_words(row),
                points=household_signed_amount(row),
                who=row.display_name or row.username or "",
            ),
        )


def entry_words(row) -> str:
    """What an entry was for, as a villager would say it."""
    reversal = row.reverses_id is not None
    if row.kind == REDEEM:
        return _("Goods returned") if reversal else _("Exchanged: %(goods)s", goods=row.memo or "")
    if row.kind == EXPIRE:
        return _("Cleared at the year's end")
    if row.kind == SHORTFALL:
        if reversal:
            return _("Offline charge undone")
        return _("Exchanged offline, points short: %(goods)s", goods=row.memo or "")
    # A reversal names what it undid, as the household's page does: the rule, else the memo
    # of the entry it undid (its own memo is the reason: "录错了" is not what was undone).
    what = row.rule_name or (row.reversed_memo if reversal else row.memo) or ""
    if not what and row.category:
        what = str(CATEGORY_WORDS.get(row.category, row.category))
    if reversal:
        return _("Correction: %(what)s undone", what=what)
    return what


def _goods(village_id: int) -> list[tuple[str, int]]:
    """One query: goods on offer and in stock in the village's open shops, dearest first."""
    rows = db.session.execute(
        sa.select(Product.name, Product.points_price)
        .join(Shop, Shop.id == Product.shop_id)
        .where(Shop.village_id == village_id, Shop.active, Product.active, Product.stock > 0)
        .order_by(Product.points_price.desc(), Product.name)
    ).all()
    return [(row.name, int(row.points_price)) for row in rows]
