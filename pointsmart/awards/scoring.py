"""The monthly scoring grid: what a leader is offered is what can be posted.

* Months: this one and the two before, less those the person may not post in (a leader enters
  this month and last month only; ``planning.check_posting_period`` decides).
* Rule items: village rules (category ``rule``) that are in use, with a version in force for
  the month (the version of the month's last day, or today's for this month; the points and cap
  shown are that version's), and that a batch can post: an award above the village's approval
  threshold has to wait for an admin on its own, so it is not offered.
* A rule counted each time and capped at less than two a month is a tick box; others take a
  number (of times, or of hours), labelled with what one is worth. A rule counted each time
  whose cap is less than one time's points can never be posted, so it is not offered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..accounts.auth import Principal
from ..errors import ValidationFailed
from ..households import service as households
from ..periods import current_period, previous_periods
from ..rules import arithmetic
from ..rules import catalogue as rules
from ..rules.models import EACH, RuleVersion
from ..villages import service as villages
from ..villages.models import Village
from . import limits, planning

MONTHS_BACK = 3
MAX_HOUSEHOLDS = 500  # of a grid (a 村民小组 has tens)


@dataclass(frozen=True)
class GridItem:
    """A rule item of the grid with the version that applies to the month."""

    id: int
    name: str
    version: RuleVersion
    unit: str = EACH

    @property
    def points(self) -> int:
        return self.version.points

    @property
    def monthly_cap(self) -> int | None:
        return self.version.monthly_cap

    @property
    def tick(self) -> bool:
        """Once a month at most: ticked, not counted (hours are always a number)."""
        cap = self.version.monthly_cap
        return self.unit == EACH and cap is not None and cap < 2 * abs(self.version.points)


@dataclass
class Grid:
    """Everything the grid page shows for one grid and month."""

    months: list[str]
    period: str
    grids: list[Any]
    grid: Any | None = None
    items: list[GridItem] = field(default_factory=list)
    households: list[dict[str, Any]] = field(default_factory=list)
    # (household id, rule id) -> the points already posted for the month
    scored: dict[tuple[int, int], int] = field(default_factory=dict)


def scoring_months(actor: Principal, village: Village) -> list[str]:
    """The months ``actor`` may score, newest first."""
    months = previous_periods(current_period(village.timezone), MONTHS_BACK)[::-1]
    allowed = []
    for period in months:
        try:
            planning.check_posting_period(actor, village, period)
        except ValidationFailed:
            continue
        allowed.append(period)
    return allowed


def scorable_items(actor: Principal, village: Village, period: str) -> list[GridItem]:
    """The village-rule items that can be posted for ``period`` in a batch."""
    day = arithmetic.effective_day(village.timezone, period)
    items = []
    for view in rules.list_rules(actor, village.id, category="rule", active=True):
        version = rules.version_on(view.id, day)
        if version is None:
            continue  # not in force in that month
        if version.points > village.approval_threshold:
            continue  # one unit already waits for approval: never in a batch
        if arithmetic.cap_below_one_time(view.unit, version.points, version.monthly_cap):
            continue  # not even once a month fits under the cap
        items.append(GridItem(id=view.id, name=view.name, version=version, unit=view.unit))
    return items


def grid_of(actor: Principal, village: Village, grid_id: int | None, period: str | None) -> Grid:
    """The grid page for ``grid_id`` (None: only the choices) and ``period`` (one of
    ``scoring_months``; anything else: the newest)."""
    months = scoring_months(actor, village)
    if period not in months:
        period = months[0]
    grids = villages.list_grids(actor, village.id)
    page = Grid(months=months, period=period, grids=grids)
    page.grid = next((g for g in grids if g.id == grid_id), None)
    if page.grid is None:
        return page
    page.items = scorable_items(actor, village, period)
    # Moved-away households are left out before the limit, not after: they took the places
    # of active ones in a grid that had many.
    page.households = households.search_households(
        actor, village.id, grid_id=page.grid.id, limit=MAX_HOUSEHOLDS - 1, active_only=True
    )
    ids = [h["id"] for h in page.households]
    for item in page.items:
        for household_id, points in limits.rule_usage(item.id, period, ids).items():
            page.scored[(household_id, item.id)] = points
    return page
