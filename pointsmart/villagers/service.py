"""What a villager's pages show: read-only views of one household, for an elderly reader.

Everything here reads what other parts keep (the ledger's cached balance and monthly totals,
the leaderboard, the shops' goods) and never writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..accounts.service import display_names
from ..board import summary as boards
from ..board.leaderboard import grid_rank
from ..board.models import BoardEntry
from ..board.objections import closed_for_objections
from ..bookkeeping import clearing
from ..clock import utcnow
from ..counter.models import Product, Shop
from ..errors import NotFound
from ..extensions import db
from ..households.models import Household
from ..ledger.models import MonthlyTotal, Transfer
from ..ledger.queries import (
    household_history,
    household_summary,
    rule_ids_of_versions,
    transfer_view,
)
from ..ordering import natural_key
from ..periods import current_period, local_today, previous_periods
from ..villages.models import Grid, Village
from .words import CATEGORY_WORDS, describe

HISTORY_ENTRIES = 20
CHART_MONTHS = 12
CHART_HEIGHT = 120  # SVG units of the tallest bar


@dataclass
class Bar:
    period: str
    month: int
    points: int
    height: float
    y: float
    x: float


@dataclass
class MyPage:
    household: Household
    village: Village
    grid: Grid | None
    balance: int
    month: dict[str, Any]
    grid_rank: int | None
    history: list[dict[str, Any]]
    bars: list[Bar]
    goods: list[dict[str, Any]] = field(default_factory=list)
    lifetime_earned: int = 0
    # Points the year-end clearing will take on December 31 (None: no warning to show).
    clearing_points: int | None = None
    # The ``before`` of the next, older page of history (None: nothing older).
    older_before: int | None = None
    paged: bool = False
    # When these figures were read, in the village's time: with no network the phone shows
    # this page as last seen, and says from when.
    as_of: dt.datetime | None = None


def my_page(actor: Principal, before: int | None = None) -> MyPage:
    """The household's own page; only a household signed in with its PIN sees it.

    ``before`` pages the history back (the entries older than that transfer id, keyset).
    """
    household = db.session.get(Household, actor.household_id) if actor.household_id else None
    if household is None:
        raise NotFound(_l("No such household."))
    actor.require_household_reader(household.village_id, household.id)
    village = db.session.get(Village, household.village_id)
    grid = db.session.get(Grid, household.grid_id) if household.grid_id else None
    period = current_period(village.timezone)
    summary = household_summary(village.id, household.id, period)
    history, older_before = history_page(household.id, village.timezone, before=before)
    return MyPage(
        household=household,
        village=village,
        grid=grid,
        balance=summary.balance,
        month=summary.month,
        grid_rank=_grid_rank(village.id, household, period),
        history=history,
        bars=chart(household.id, period),
        goods=goods_for(village.id, summary.balance),
        lifetime_earned=lifetime_earned(household.id),
        clearing_points=year_end_clearing(village, summary.balance, household_id=household.id),
        older_before=older_before,
        paged=before is not None,
        as_of=utcnow().astimezone(ZoneInfo(village.timezone)),
    )


def lifetime_earned(household_id: int) -> int:
    """Every point the household ever earned (reversals netted), from the monthly totals."""
    return int(
        db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(MonthlyTotal.earned), 0)).where(
                MonthlyTotal.household_id == household_id
            )
        ).scalar_one()
    )


def year_end_clearing(
    village: Village,
    balance: int,
    today: dt.date | None = None,
    household_id: int | None = None,
) -> int | None:
    """The points the year-end clearing will take on December 31, shown from December 1 (the
    village's day) when the village clears balances at the year's end and the household has
    points; None when there is nothing to warn about, and once the household was cleared
    for the year (a second run takes nothing more from it)."""
    if not village.year_end_clearing or balance <= 0:
        return None
    today = today or local_today(village.timezone)
    if today.month != 12:
        return None
    if household_id is not None and clearing.cleared(village.id, household_id, today.year):
        return None
    return balance


def _grid_rank(village_id: int, household: Household, period: str) -> int | None:
    if household.grid_id is None:
        return None
    return grid_rank(village_id, household.id, household.grid_id, period)


def history_page(
    household_id: int,
    timezone: str,
    *,
    before: int | None = None,
    limit: int = HISTORY_ENTRIES,
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the history in words, newest first, of entries older than ``before`` (all
    when None), and the ``before`` of the next older page (None when there is none)."""
    entries = household_history(household_id, limit=limit, after=before)
    older = entries[limit - 1]["id"] if len(entries) > limit else None
    return history_in_words(household_id, timezone, limit=limit, entries=entries[:limit]), older


def history_in_words(
    household_id: int,
    timezone: str,
    limit: int = HISTORY_ENTRIES,
    entries: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The latest entries (or the given ones), each with what it was for, who recorded it and
    when (in the village's ``timezone``), in the words of ``words.describe``.

    A reversal names what it undid (found even when that entry is on an older page), and an
    entry that was undone says so.
    """
    if entries is None:
        entries = household_history(household_id, limit=limit, after=None)[:limit]
    entries = entries + _originals_elsewhere(household_id, entries)
    rule_ids = {e["rule_id"] for e in entries if e["rule_id"]}
    user_ids = {e["posted_by_id"] for e in entries if e["posted_by_id"]}
    rule_names = {}
    if rule_ids:
        from ..rules.models import Rule

        rule_names = dict(
            db.session.execute(sa.select(Rule.id, Rule.name).where(Rule.id.in_(rule_ids))).all()
        )
    people = display_names(user_ids)
    by_id = {e["id"]: e for e in entries}
    result = []
    for entry in entries:
        what = rule_names.get(entry["rule_id"]) or entry["memo"] or ""
        if not what and entry["category"]:
            what = str(CATEGORY_WORDS.get(entry["category"], entry["category"]))
        result.append(
            {
                **entry,
                "what": what,
                "who": people.get(entry["posted_by_id"]) if entry["posted_by_id"] else None,
                "reverses": by_id.get(entry["reverses_id"]) if entry["reverses_id"] else None,
            }
        )
    shown = {e["id"] for e in entries if not e.get("_elsewhere")}
    for entry in result:
        if entry["reverses"] is not None:
            entry["reverses"] = next(e for e in result if e["id"] == entry["reverses_id"])
    # Originals first, so a reversal reads with the words of what it undid.
    originals = [e for e in result if not e["reverses_id"]]
    describe(originals, timezone)
    describe([e for e in result if e["reverses_id"]], timezone)
    return [entry for entry in result if entry["id"] in shown]


def _originals_elsewhere(household_id: int, entries: list[dict[str, Any]]) -> list[dict]:
    """The entries that ``entries``' reversals undid but that are not among them (an older
    page), marked so they are used for words only, never listed twice."""
    present = {e["id"] for e in entries}
    wanted = {e["reverses_id"] for e in entries if e["reverses_id"]} - present
    if not wanted:
        return []
    transfers = db.session.execute(
        sa.select(Transfer).where(Transfer.id.in_(wanted), Transfer.household_id == household_id)
    ).scalars()
    transfers = list(transfers)
    rule_ids = rule_ids_of_versions({t.rule_version_id for t in transfers} - {None})
    reversed_by = {e["reverses_id"]: e["id"] for e in entries if e["reverses_id"] in wanted}
    return [
        {
            **transfer_view(t, reversed_by.get(t.id), rule_ids.get(t.rule_version_id)),
            "_elsewhere": 1,
        }
        for t in transfers
    ]


def chart(household_id: int, period: str, months: int = CHART_MONTHS) -> list[Bar]:
    """Points (earned - deducted) of the last ``months`` months, as bars of an SVG."""
    periods = previous_periods(period, months)
    totals = dict(
        db.session.execute(
            sa.select(MonthlyTotal.period, MonthlyTotal.earned - MonthlyTotal.deducted).where(
                MonthlyTotal.household_id == household_id,
                MonthlyTotal.period >= periods[0],
                MonthlyTotal.period <= periods[-1],
            )
        ).all()
    )
    tallest = max([abs(int(v)) for v in totals.values()] + [1])
    bars = []
    for index, name in enumerate(periods):
        points = int(totals.get(name, 0))
        height = round(abs(points) / tallest * CHART_HEIGHT, 1)
        bars.append(
            Bar(
                period=name,
                month=int(name[5:]),
                points=points,
                height=height,
                y=round(CHART_HEIGHT - height, 1),
                x=index * 25 + 2,
            )
        )
    return bars


def goods_for(village_id: int, balance: int) -> list[dict[str, Any]]:
    """The goods on offer in the village's open shops, cheapest first and then in the natural
    order of their names, and whether the household can afford each now (enough points and in
    stock)."""
    rows = db.session.execute(
        sa.select(Product.id, Product.name, Product.points_price, Product.stock, Shop.name)
        .join(Shop, Shop.id == Product.shop_id)
        .where(Shop.village_id == village_id, Shop.active, Product.active)
    ).all()
    rows.sort(key=lambda row: (row[2], natural_key(row[1])))
    return [
        {
            "id": row[0],
            "name": row[1],
            "points_price": row[2],
            "stock": row[3],
            "shop": row[4],
            "affordable": row[2] <= balance and row[3] > 0,
        }
        for row in rows
    ]


def entry_to_object(actor: Principal, entry_id: int) -> dict[str, Any]:
    """An entry on the public board of the household's village, as the objection form shows it
    (number, head name as the household may see it, rule, points); NotFound otherwise. An entry
    no longer open to objections says why in ``closed`` (upheld, undone, or its days over)."""

    entry = db.session.get(BoardEntry, entry_id)
    village_id = entry.village_id if entry is not None else None
    if village_id is None or village_id != actor.household_village_id:
        raise NotFound(_l("No such entry."))
    on_board = boards.public_board(village_id, viewer=actor)
    for item in on_board["red"] + on_board["black"]:
        if item["id"] == entry_id:
            return {
                "id": item["id"],
                "village_id": village_id,
                "kind": item["kind"],
                "number": item["number"],
                "head_name": item["head_name"],
                "rule": item["rule"]["name"],
                "points": item["points"],
                "on_board": True,
            }
    village = db.session.get(Village, village_id)
    closed = closed_for_objections(entry, local_today(village.timezone)) or _l(
        "The entry is no longer on the board; objections are closed."
    )
    return {"id": entry_id, "village_id": village_id, "on_board": False, "closed": str(closed)}
