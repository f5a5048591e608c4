"""The arithmetic of points and the village's days.

* ``points_for``: quantity x points per unit, rounded half up to a whole number.
* ``cap_below_one_time``: a monthly cap no entry of the rule could fit under.
* ``normalise_quantity``: a whole count of 1..1000, or hours in (0, 24] kept to the hundredth.
* ``last_day_of`` a month, and ``effective_day``: the day whose rule version applies to an
  entry.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..periods import current_period, local_today
from .models import EACH

HUNDREDTH = Decimal("0.01")
MAX_EACH_QUANTITY = 1000
MAX_HOURS = Decimal(24)


def points_for(quantity: Decimal, points_per_unit: int) -> int:
    """``quantity x points_per_unit`` rounded half up (away from zero on a half), as an int."""
    exact = Decimal(quantity) * points_per_unit
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cap_below_one_time(unit: str, points: int, monthly_cap: int | None) -> bool:
    """Whether a rule counted each time is capped below one time's points: nothing could ever
    be posted by it (an hours rule may still give a short stint's points)."""
    return unit == EACH and monthly_cap is not None and monthly_cap < abs(points)


def cap_problem(unit: str, points: int, monthly_cap: int | None) -> dict[str, list[str]]:
    """A form's error on ``monthly_cap`` when the cap is below one time's points."""
    if not cap_below_one_time(unit, points, monthly_cap):
        return {}
    message = _l(
        "The monthly cap is less than one time's %(points)s points: the rule could never be used.",
        points=abs(points),
    )
    return {"monthly_cap": [str(message)]}


def normalise_quantity(unit: str, quantity: Any) -> Decimal:
    """A valid quantity for the unit: a whole count of 1..1000, or hours in (0, 24] to the
    hundredth. Raises ``ValidationFailed`` naming ``quantity`` otherwise."""
    try:
        value = Decimal(str(quantity))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or isinstance(quantity, bool):
        raise _bad_quantity(_l("Give a number."))
    if unit == EACH:
        if value != value.to_integral_value() or not 1 <= value <= MAX_EACH_QUANTITY:
            raise _bad_quantity(_l("Give a whole number from 1 to %(max)s.", max=MAX_EACH_QUANTITY))
        return value.quantize(HUNDREDTH)
    # The range first: the hundredth of a number of more digits than decimal's precision
    # raises InvalidOperation (``1e30`` typed in a cell of the scoring grid).
    if not 0 < value <= MAX_HOURS or value != value.quantize(HUNDREDTH):
        raise _bad_quantity(_l("Give the hours, more than 0 and at most 24, to the hundredth."))
    return value.quantize(HUNDREDTH)


def _bad_quantity(message) -> ValidationFailed:
    return ValidationFailed(errors={"quantity": [str(message)]})


# --- days ------------------------------------------------------------------------------------


def last_day_of(period: str) -> dt.date:
    year, month = int(period[:4]), int(period[5:])
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def effective_day(timezone: str, period: str | None, day: dt.date | None = None) -> dt.date:
    """The day whose rule version applies to an entry.

    The activity's day for attendance; today for the current month; the last day of a past
    month for an entry that counts for that month (what the rules said at its end).
    """
    if day is not None:
        return day
    if period is None or period >= current_period(timezone):
        return local_today(timezone)
    return last_day_of(period)
