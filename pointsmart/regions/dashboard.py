"""The dashboard of a township or a county: its villages side by side for a month or a year.

Everything comes from rollups and small tables, never from scanning the transfers (the
months owed read one index seek a shop owed): the households' monthly totals
(``monthly_totals``: earned, deducted, redeemed per household and month), the shops' cached
balances (what the village owes them), the settlements, the board entries, approvals and
objections. A fixed handful of statements answers for any number of villages: each groups
by village over the region's villages at once.

Per village, for the period (a month ``YYYY-MM`` or a year ``YYYY``):

* ``households``: the village's households living there now (not moved away);
* ``active_households``: households living there now that earned points in the period, and
  their share (one that moved away since is in neither count, so the share stays within 100);
* ``points_issued`` / ``points_deducted`` / ``points_redeemed``, also per household;
* ``red_entries`` / ``black_entries``: board entries made for the period;
* ``approvals_pending`` / ``objections_open``: waiting now, whatever the period;
* ``owed_yuan``: what the village owes its shops now (their balances at the village's rate)
  and ``owed_months``: for how many months, counted from the oldest month in which a shop
  it owes took points after that shop's last settlement, to the period's end (this month,
  for a period still to come);
* ``rank``: by the share of active households, highest first; ties share a rank (1, 2, 2, 4)
  and are listed in the natural order of the villages' names (``ordering``).

The region's ``totals`` add the villages up (the share and the per-household figures are
the region's own); ``months`` are the region's last twelve months (points issued and
deducted, from the villages' rollup ``village_months``), for the chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from ..accounts.auth import Principal
from ..awards.models import PENDING, Approval
from ..board.models import BoardEntry, Objection
from ..counter.models import Settlement, Shop
from ..extensions import db
from ..households.models import Household
from ..ledger.models import SHOP, Account, MonthlyTotal, Transfer
from ..ordering import natural_key
from ..periods import checked_month_or_year, current_period, previous_periods
from ..rules.models import BLACK, RED
from . import access, service
from .flags import add_flags
from .models import Region
from .rollups import VillageMonth

MONTHS = 12
CENT, TENTH = Decimal("0.01"), Decimal("0.1")
REGION_TIMEZONE = "Asia/Shanghai"  # the default period of a region: this month in China


def check_period(period: str | None) -> str:
    """``YYYY-MM`` or ``YYYY`` (from 2000); default: this month."""
    return checked_month_or_year(period or current_period(REGION_TIMEZONE))


def months_of(period: str) -> list[str]:
    """The months a period covers, oldest first."""
    if len(period) == 4:
        return [f"{period}-{month:02d}" for month in range(1, 13)]
    return [period]


def per(part: int, whole: int, unit: Decimal = TENTH) -> Decimal:
    if whole <= 0:
        return Decimal(0).quantize(unit)
    return (Decimal(part) / Decimal(whole)).quantize(unit, rounding=ROUND_HALF_UP)


@dataclass
class VillageRow:
    village_id: int
    name: str
    township_id: int | None
    yuan_per_point: Decimal
    households: int = 0
    active_households: int = 0
    points_issued: int = 0
    points_deducted: int = 0
    points_redeemed: int = 0
    red_entries: int = 0
    black_entries: int = 0
    approvals_pending: int = 0
    objections_open: int = 0
    owed_points: int = 0
    earners: int = 0  # households that earned in the period, moved away since or not (flags)
    # A month: what the earners earned (flags). A reversal of an earlier month's award counts
    # in the month it is posted in and may leave its household below zero for this one, so
    # ``points_issued`` may be less than this, or below zero.
    earners_points: int = 0
    opened: str = ""  # the village's first month and this month, in its time zone
    this_month: str = ""
    owed_yuan: Decimal = Decimal("0.00")
    owed_months: int = 0
    rank: int = 0
    flags: list[dict[str, Any]] = field(default_factory=list)

    @property
    def active_share(self) -> Decimal:
        return per(self.active_households * 100, self.households)

    @property
    def issued_per_household(self) -> Decimal:
        return per(self.points_issued, self.households)

    @property
    def deducted_per_household(self) -> Decimal:
        return per(self.points_deducted, self.households)

    @property
    def redeemed_per_household(self) -> Decimal:
        return per(self.points_redeemed, self.households)


@dataclass
class Dashboard:
    region: Region
    period: str
    villages: list[VillageRow]
    totals: VillageRow
    months: list[dict[str, Any]]


def region_dashboard(actor: Principal, region_id: int, period: str | None = None) -> Dashboard:
    """The dashboard of a region its staff may read (see the module's docstring)."""
    region = service.get_region(actor, region_id)
    period = check_period(period)
    villages = service.villages_of(region)
    rows = {
        v.id: VillageRow(
            village_id=v.id,
            name=v.name,
            township_id=v.region_id,
            yuan_per_point=Decimal(v.yuan_per_point),
            opened=current_period(v.timezone, v.created_at),
            this_month=current_period(v.timezone),
        )
        for v in villages
    }
    months = months_of(period)
    window = previous_periods(months[-1], MONTHS)
    by_month: dict[str, dict[str, int]] = {m: {"issued": 0, "deducted": 0} for m in window}
    if rows:
        ids = list(rows)
        _households(rows, ids)
        _monthly(rows, ids, months)
        _chart(ids, window, by_month)
        _active_in_year(rows, ids, months)
        _living_earners(rows, ids, months)
        _board(rows, ids, months)
        _waiting(rows, ids)
        _owed(rows, ids, window)
        county = region if region.parent_id is None else access.find_region(region.parent_id)
        add_flags(rows, months, period, county)
    # Ties in the natural order of names (一组村, 二组村, ... 十组村), not the characters' codes.
    ordered = sorted(rows.values(), key=lambda r: (-r.active_share, natural_key(r.name)))
    _rank(ordered)
    totals = _totals(ordered)
    series = [{"period": m, **by_month[m]} for m in window]
    return Dashboard(region=region, period=period, villages=ordered, totals=totals, months=series)


def _households(rows: dict[int, VillageRow], ids: list[int]) -> None:
    statement = (
        sa.select(Household.village_id, sa.func.count())
        .where(Household.village_id.in_(ids), Household.status == "active")
        .group_by(Household.village_id)
    )
    for village_id, count in db.session.execute(statement):
        rows[village_id].households = int(count)


def _monthly(rows, ids, months) -> None:
    """The period's monthly totals per village, in one statement (a month: one row per
    household of the region; a year: twelve)."""
    active = sa.func.count(sa.case((MonthlyTotal.earned > 0, 1)))
    earned_by_earners = sa.func.sum(sa.case((MonthlyTotal.earned > 0, MonthlyTotal.earned)))
    statement = (
        sa.select(
            MonthlyTotal.village_id,
            sa.func.sum(MonthlyTotal.earned),
            sa.func.sum(MonthlyTotal.deducted),
            sa.func.sum(MonthlyTotal.redeemed),
            active,
            earned_by_earners,
        )
        .where(
            MonthlyTotal.village_id.in_(ids),
            MonthlyTotal.period >= months[0],
            MonthlyTotal.period <= months[-1],
        )
        .group_by(MonthlyTotal.village_id)
    )
    for village_id, earned, deducted, spent, earners, by_earners in db.session.execute(statement):
        row = rows[village_id]
        row.points_issued = int(earned or 0)
        row.points_deducted = int(deducted or 0)
        row.points_redeemed = int(spent or 0)
        if len(months) == 1:
            row.earners = int(earners)
            row.earners_points = int(by_earners or 0)


def _chart(ids, window, by_month) -> None:
    """The region's twelve months, from the villages' rollup (one row a village and month)."""
    statement = (
        sa.select(
            VillageMonth.period,
            sa.func.sum(VillageMonth.points_issued),
            sa.func.sum(VillageMonth.points_deducted),
        )
        .where(
            VillageMonth.village_id.in_(ids),
            VillageMonth.period >= window[0],
            VillageMonth.period <= window[-1],
        )
        .group_by(VillageMonth.period)
    )
    for month, issued, deducted in db.session.execute(statement):
        by_month[month]["issued"] = int(issued or 0)
        by_month[month]["deducted"] = int(deducted or 0)


def _active_in_year(rows, ids, months) -> None:
    """For a year: the households that earned in any of its months (each counted once)."""
    if len(months) == 1:
        return
    statement = (
        sa.select(MonthlyTotal.village_id, sa.func.count(sa.distinct(MonthlyTotal.household_id)))
        .where(
            MonthlyTotal.village_id.in_(ids),
            MonthlyTotal.period >= months[0],
            MonthlyTotal.period <= months[-1],
            MonthlyTotal.earned > 0,
        )
        .group_by(MonthlyTotal.village_id)
    )
    for village_id, count in db.session.execute(statement):
        rows[village_id].earners = int(count)


def _living_earners(rows, ids, months) -> None:
    """The active households: the earners less those that moved away since (few; read from
    the households that moved away, not from every household's totals)."""
    for row in rows.values():
        row.active_households = row.earners
    statement = (
        sa.select(Household.village_id, sa.func.count(sa.distinct(MonthlyTotal.household_id)))
        .join(MonthlyTotal, MonthlyTotal.household_id == Household.id)
        .where(
            Household.village_id.in_(ids),
            Household.status != "active",
            MonthlyTotal.period >= months[0],
            MonthlyTotal.period <= months[-1],
            MonthlyTotal.earned > 0,
        )
        .group_by(Household.village_id)
    )
    for village_id, count in db.session.execute(statement):
        rows[village_id].active_households -= int(count)


def _board(rows, ids, months) -> None:
    statement = (
        sa.select(BoardEntry.village_id, BoardEntry.kind, sa.func.count())
        .where(
            BoardEntry.village_id.in_(ids),
            BoardEntry.period >= months[0],
            BoardEntry.period <= months[-1],
        )
        .group_by(BoardEntry.village_id, BoardEntry.kind)
    )
    for village_id, kind, count in db.session.execute(statement):
        if kind == RED:
            rows[village_id].red_entries = int(count)
        elif kind == BLACK:
            rows[village_id].black_entries = int(count)


def _waiting(rows, ids) -> None:
    """What waits for the village's committee: approvals and objections still pending."""
    for model, figure in ((Approval, "approvals_pending"), (Objection, "objections_open")):
        pending = (
            sa.select(model.village_id, sa.func.count())
            .where(model.village_id.in_(ids), model.status == PENDING)
            .group_by(model.village_id)
        )
        for village_id, count in db.session.execute(pending):
            setattr(rows[village_id], figure, int(count))


def _owed(rows, ids, window) -> None:
    """What each village owes its shops now (their cached balances), and since when: the
    months from the oldest month in which a shop it owes took points after that shop's last
    settlement, to the window's end (0 when nothing is owed). Each shop on its own: a
    village that settled one shop still owes the other from that one's oldest unpaid month."""
    shops = sa.select(Shop.id).where(Shop.village_id.in_(ids))
    balances = (
        sa.select(Account.village_id, sa.func.sum(Account.balance))
        .where(Account.shop_id.in_(shops), Account.kind == SHOP)  # by the shop_id index
        .group_by(Account.village_id)
    )
    for village_id, balance in db.session.execute(balances):
        row = rows[village_id]
        row.owed_points = max(int(balance or 0), 0)
        row.owed_yuan = (Decimal(row.owed_points) * row.yuan_per_point).quantize(
            CENT, ROUND_HALF_UP
        )
    owing = [village_id for village_id in ids if rows[village_id].owed_points > 0]
    if not owing:
        return
    shop = Account.__table__.alias("shop_account")
    last_settled = (
        sa.select(sa.func.max(Settlement.period))
        .where(Settlement.shop_id == shop.c.shop_id)
        .correlate(shop)  # the outer statement's shop, from inside the subquery below
        .scalar_subquery()
    )
    # What credits a shop's account is a sale, a shortfall or a write-off: what the village
    # pays it for. One seek in the index on (credit_account_id, period) a shop.
    first_unpaid = (
        sa.select(sa.func.min(Transfer.period))
        .where(
            Transfer.credit_account_id == shop.c.id,
            Transfer.period > sa.func.coalesce(last_settled, ""),
        )
        .scalar_subquery()
    )
    statement = sa.select(shop.c.village_id, first_unpaid).where(
        shop.c.village_id.in_(owing), shop.c.kind == SHOP, shop.c.balance > 0
    )
    since: dict[int, str] = {}
    for village_id, first in db.session.execute(statement):
        if first is not None:
            since[village_id] = min(first, since.get(village_id, first))
    for village_id in owing:
        row = rows[village_id]
        end = min(window[-1], row.this_month)  # a month still to come owes nothing yet
        row.owed_months = max(_months_between(min(since.get(village_id, end), end), end), 0)


def _months_between(first: str, last: str) -> int:
    """How many months ``first`` to ``last`` span, both counted."""
    return (int(last[:4]) * 12 + int(last[5:])) - (int(first[:4]) * 12 + int(first[5:])) + 1


def _rank(ordered: list[VillageRow]) -> None:
    """Competition ranking by the share of active households: ties share a rank."""
    previous, rank = None, 0
    for position, row in enumerate(ordered, start=1):
        if row.active_share != previous:
            rank, previous = position, row.active_share
        row.rank = rank


def _totals(rows: list[VillageRow]) -> VillageRow:
    totals = VillageRow(village_id=0, name="", township_id=None, yuan_per_point=Decimal(0))
    for row in rows:
        for name in (
            "households",
            "active_households",
            "points_issued",
            "points_deducted",
            "points_redeemed",
            "red_entries",
            "black_entries",
            "approvals_pending",
            "objections_open",
            "owed_points",
        ):
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
        totals.owed_months = max(totals.owed_months, row.owed_months)
        totals.owed_yuan += row.owed_yuan
    return totals
