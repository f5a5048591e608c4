"""What a villager's pages show: read-only views of one household, for an elderly reader.

Everything here reads what other parts keep (the ledger's cached balance and monthly totals,
the leaderboard, the shops' goods) and never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..accounts.models import User
from ..boards.leaderboard import MAX_ROWS, leaderboard
from ..counter.models import Product, Shop
from ..errors import NotFound
from ..extensions import db
from ..ledger.models import MonthlyTotal
from ..ledger.queries import household_history, household_summary
from ..periods import current_period, previous_periods
from ..villages.models import Grid, Household, Village

HISTORY_ENTRIES = 20
CHART_MONTHS = 12
CHART_HEIGHT = 120  # SVG units of the tallest bar

KIND_WORDS = {
    "award": _l("Earned"),
    "deduct": _l("Deducted"),
    "redeem": _l("Exchanged for goods"),
    "settle": _l("Settled"),
}
CATEGORY_WORDS = {
    "volunteer": _l("Volunteering"),
    "red": _l("Red list"),
    "black": _l("Black list"),
    "rule": _l("Village rule"),
    "other": _l("Other"),
}


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


def my_page(actor: Principal) -> MyPage:
    """The household's own page; only a household signed in with its PIN sees it."""
    household = db.session.get(Household, actor.household_id) if actor.household_id else None
    if household is None:
        raise NotFound(_l("No such household."))
    actor.require_household_reader(household.village_id, household.id)
    village = db.session.get(Village, household.village_id)
    grid = db.session.get(Grid, household.grid_id) if household.grid_id else None
    period = current_period(village.timezone)
    summary = household_summary(village.id, household.id, period)
    return MyPage(
        household=household,
        village=village,
        grid=grid,
        balance=summary.balance,
        month=summary.month,
        grid_rank=_grid_rank(village.id, household, period),
        history=history_in_words(household.id),
        bars=chart(household.id, period),
        goods=goods_for(village.id, summary.balance),
    )


def _grid_rank(village_id: int, household: Household, period: str) -> int | None:
    if household.grid_id is None:
        return None
    board = leaderboard(village_id, period=period, grid_id=household.grid_id, limit=MAX_ROWS)
    for item in board["items"]:
        if item["household_id"] == household.id:
            return item["rank"]
    return None


def history_in_words(household_id: int, limit: int = HISTORY_ENTRIES) -> list[dict[str, Any]]:
    """The latest entries, each with what it was for, who recorded it and when.

    A reversal names what it undid, and an entry that was undone says so.
    """
    entries = household_history(household_id, limit=limit, after=None)[:limit]
    rule_ids = {e["rule_id"] for e in entries if e["rule_id"]}
    user_ids = {e["posted_by_id"] for e in entries if e["posted_by_id"]}
    rule_names = {}
    if rule_ids:
        from ..awards.models import Rule

        rule_names = dict(
            db.session.execute(sa.select(Rule.id, Rule.name).where(Rule.id.in_(rule_ids))).all()
        )
    people = {}
    if user_ids:
        people = {
            row.id: row.display_name or row.username
            for row in db.session.execute(
                sa.select(User.id, User.display_name, User.username).where(User.id.in_(user_ids))
            )
        }
    by_id = {e["id"]: e for e in entries}
    result = []
    for entry in entries:
        what = rule_names.get(entry["rule_id"]) or entry["memo"] or ""
        if not what and entry["category"]:
            what = str(CATEGORY_WORDS.get(entry["category"], entry["category"]))
        result.append(
            {
                **entry,
                "kind_words": str(KIND_WORDS.get(entry["kind"], entry["kind"])),
                "what": what,
                "who": people.get(entry["posted_by_id"]) if entry["posted_by_id"] else None,
                "reverses": by_id.get(entry["reverses_id"]) if entry["reverses_id"] else None,
            }
        )
    for entry in result:
        if entry["reverses"] is not None:
            entry["reverses"] = next(e for e in result if e["id"] == entry["reverses_id"])
    return result


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
    """The goods on offer in the village's open shops, and whether the household can afford
    each now (enough points and in stock)."""
    rows = db.session.execute(
        sa.select(Product.id, Product.name, Product.points_price, Product.stock, Shop.name)
        .join(Shop, Shop.id == Product.shop_id)
        .where(Shop.village_id == village_id, Shop.active, Product.active)
        .order_by(Product.points_price, Product.name)
    ).all()
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
