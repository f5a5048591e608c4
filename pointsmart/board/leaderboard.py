"""Leaderboards: who earned most in a month or a year, in a village or one of its grids.

Points on a board are earned minus deducted in the period (redemptions do not lower a rank:
spending points is not misbehaving). Ties share a rank, and the next rank skips (1, 2, 2, 4).
Every household of the village is on the board, with 0 when nothing was recorded, so a
household with only deductions ranks below one with nothing; a household that moved away
appears only for a period in which it has entries. The board reads the monthly totals only,
never the ledger.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import NotFound
from ..extensions import db
from ..households.models import Household
from ..ledger.models import MonthlyTotal
from ..periods import checked_month_or_year, current_period
from ..villages.models import Grid, Village

MAX_ROWS = 500


def _months(period: str) -> tuple[str, str]:
    """The first and last month a period covers: ``YYYY-MM`` is one month, ``YYYY`` a year."""
    if len(checked_month_or_year(period)) == 4:
        return f"{period}-01", f"{period}-12"
    return period, period


def _ranked(village_id: int, period: str, grid_id: int | None):
    """The village's (or grid's) households with their points and rank in the period."""
    first, last = _months(period)
    totals = (
        sa.select(
            MonthlyTotal.household_id,
            sa.func.sum(MonthlyTotal.earned - MonthlyTotal.deducted).label("points"),
        )
        .where(
            MonthlyTotal.village_id == village_id,
            MonthlyTotal.period >= first,
            MonthlyTotal.period <= last,
        )
        .group_by(MonthlyTotal.household_id)
        .subquery()
    )
    points = sa.func.coalesce(totals.c.points, 0)
    ranked = (
        sa.select(
            Household.id.label("household_id"),
            Household.number,
            Household.head_name,
            Grid.id.label("grid_id"),
            Grid.name.label("grid_name"),
            points.label("points"),
            sa.func.rank().over(order_by=points.desc()).label("rank"),
        )
        .outerjoin(totals, totals.c.household_id == Household.id)
        .outerjoin(Grid, Grid.id == Household.grid_id)
        .where(
            Household.village_id == village_id,
            sa.or_(Household.status == "active", totals.c.points.is_not(None)),
        )
    )
    if grid_id is not None:
        ranked = ranked.where(Household.grid_id == grid_id)
    return ranked.subquery()


def grid_rank(village_id: int, household_id: int, grid_id: int, period: str) -> int | None:
    """The household's rank in its grid for the period, as the grid's board ranks it (with
    no limit on the board's length); None when it is not on the board."""
    ranked = _ranked(village_id, period, grid_id)
    return db.session.execute(
        sa.select(ranked.c.rank).where(ranked.c.household_id == household_id)
    ).scalar_one_or_none()


def leaderboard(
    village_id: int, *, period: str | None = None, grid_id: int | None = None, limit: int = 50
) -> dict[str, Any]:
    """The ranked households of a village (or of one grid) for a month or a year."""
    timezone = db.session.execute(
        sa.select(Village.timezone).where(Village.id == village_id)
    ).scalar_one_or_none()
    if timezone is None:
        raise NotFound(_l("No such village."))
    if (
        grid_id is not None
        and not db.session.execute(
            sa.select(Grid.id).where(Grid.id == grid_id, Grid.village_id == village_id)
        ).first()
    ):
        raise NotFound(_l("No such grid in this village."))
    period = period or current_period(timezone)
    ranked = _ranked(village_id, period, grid_id)
    rows = db.session.execute(
        sa.select(ranked)
        .order_by(ranked.c.rank, ranked.c.number)
        .limit(min(max(limit, 1), MAX_ROWS))
    ).all()
    return {
        "period": period,
        "village_id": village_id,
        "grid_id": grid_id,
        "items": [
            {
                "rank": row.rank,
                "household_id": row.household_id,
                "number": row.number,
                "head_name": row.head_name,
                "grid": {"id": row.grid_id, "name": row.grid_name} if row.grid_id else None,
                "points": int(row.points),
            }
            for row in rows
        ],
    }
