"""What the public pages show: the leaderboard page and the TV page of the service hall.

Everything is read from the leaderboard (monthly totals), the public board and the shops'
goods; names pass through ``boards.names.public_names`` so a village that masks names gets
张*明 on every public screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..counter.models import Product, Shop
from ..errors import NotFound
from ..extensions import db
from ..ordering import natural_sorted
from ..periods import current_period, previous_periods
from ..villages.models import Grid, Village
from . import summary as boards
from .leaderboard import MAX_ROWS, leaderboard
from .names import public_names

TV_TOP = 10
TV_GOODS = 8
# Rows of a red or black list on one TV panel: a longer list is shown on several panels in turn,
# since the hall's TV cannot scroll.
TV_ROWS = 10
PERIOD_CHOICES = 12  # months offered in the leaderboard page's period list


@dataclass(frozen=True)
class PublicVillage:
    id: int
    name: str
    timezone: str


def public_village(village_id: int) -> PublicVillage:
    """The village's name and time zone, for a page anyone may see."""
    row = db.session.execute(
        sa.select(Village.id, Village.name, Village.timezone).where(Village.id == village_id)
    ).one_or_none()
    if row is None:
        raise NotFound(_l("No such village."))
    return PublicVillage(id=row.id, name=row.name, timezone=row.timezone)


def grids_of(village_id: int) -> list[dict[str, Any]]:
    """The village's grids in the natural order of their names (一组, 二组, 三组)."""
    rows = db.session.execute(sa.select(Grid.id, Grid.name).where(Grid.village_id == village_id))
    return [{"id": row.id, "name": row.name} for row in natural_sorted(rows, lambda r: r.name)]


def period_choices(timezone: str, shown: str) -> list[str]:
    """The periods a visitor can pick: the last 12 months (newest first), this year and the
    year before, and last the period ``shown`` when it is none of those."""
    this_month = current_period(timezone)
    months = list(reversed(previous_periods(this_month, PERIOD_CHOICES)))
    year = int(this_month[:4])
    choices = [*months, str(year), str(year - 1)]
    return choices if shown in choices else [*choices, shown]


def public_leaderboard(
    village_id: int,
    *,
    period: str | None,
    grid_id: int | None,
    viewer: Principal | None,
    limit: int = MAX_ROWS,
) -> dict[str, Any]:
    """The ranked households (rank, number, head name, points) as ``viewer`` may see them."""
    board = leaderboard(village_id, period=period, grid_id=grid_id, limit=limit)
    items = [
        {
            "rank": item["rank"],
            "household_id": item["household_id"],
            "number": item["number"],
            "head_name": item["head_name"],
            "points": item["points"],
        }
        for item in board["items"]
    ]
    board["items"] = public_names(items, village_id, viewer)
    return board


def new_goods(village_id: int, limit: int = TV_GOODS) -> list[dict[str, Any]]:
    """The newest goods in stock in the village's open shops."""
    rows = db.session.execute(
        sa.select(Product.name, Product.points_price, Shop.name.label("shop"))
        .join(Shop, Shop.id == Product.shop_id)
        .where(Shop.village_id == village_id, Shop.active, Product.active, Product.stock > 0)
        .order_by(Product.created_at.desc(), Product.id.desc())
        .limit(limit)
    ).all()
    return [{"name": r.name, "points_price": r.points_price, "shop": r.shop} for r in rows]


def tv_panels(village_id: int) -> dict[str, Any]:
    """Everything the service hall's TV shows: this month's top households, the red and black
    lists on the board (in pages of ``TV_ROWS``), and the new goods; names as the public sees
    them."""
    village = public_village(village_id)
    period = current_period(village.timezone)
    top = public_leaderboard(village_id, period=period, grid_id=None, viewer=None, limit=TV_TOP)[
        "items"
    ]
    board = boards.public_board(village_id, viewer=None)
    return {
        "village": village,
        "period": period,
        "top": top,
        "red_pages": tv_pages([public_entry(item) for item in board["red"]]),
        "black_pages": tv_pages([public_entry(item) for item in board["black"]]),
        "goods": new_goods(village_id),
    }


def tv_pages(rows: list[dict[str, Any]], size: int = TV_ROWS) -> list[list[dict[str, Any]]]:
    """``rows`` in pages of at most ``size`` (one empty page for no rows): one TV panel each."""
    return [rows[start : start + size] for start in range(0, len(rows), size)] or [[]]


def public_entry(item: dict[str, Any]) -> dict[str, Any]:
    """A board entry as public pages show it: number, head name, rule and points only."""
    return {
        "id": item["id"],
        "household_id": item["household_id"],
        "number": item["number"],
        "head_name": item["head_name"],
        "rule": item["rule"]["name"],
        "points": item["points"],
    }
