"""Periods and days in the village's time zone: the month a transfer counts for (``YYYY-MM``)
and the calendar day of a moment (from 00:00 to 08:00 in Shanghai the UTC date is still
yesterday's)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from .clock import utcnow
from .errors import ValidationFailed

PERIOD_PATTERN = re.compile(r"^(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])\Z")
# The last month whose end, the first moment of the month after, a date can hold: a month is
# reckoned up to its end (a sheet's close, a settlement's), and 10000-01-01 is no date.
LAST_PERIOD = "9999-11"
# The days the app reckons with: those of the periods from 2000-01 to LAST_PERIOD. A day's
# bounds in any time zone are dates then (0001-01-01 starts in year 0 in UTC).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(9999, 11, 30)


def checked_period(period: str | None, field: str = "period", *, latest: str | None = None) -> str:
    """``period`` when it is a month the app reckons with (:func:`is_valid_period`), and not
    after ``latest`` when given (points count for this month or an earlier one); else a 422
    naming ``field``, its message the detail as well (a page shows the detail, the API and the
    command line the field)."""
    if period is None or not is_valid_period(period):
        message = str(_l("A period is written YYYY-MM."))
    elif latest is not None and period > latest:
        message = str(_l("The period is in the future."))
    else:
        return period
    raise ValidationFailed(message, errors={field: [message]})


def checked_month_or_year(period: str) -> str:
    """``period`` when it is a month (:func:`checked_period`) or a year ``YYYY`` whose every
    month the app reckons with (2000 to 9998); else a 422 naming ``period``."""
    if not (is_valid_period(period) or (len(period) == 4 and is_valid_period(f"{period}-12"))):
        raise ValidationFailed(errors={"period": [str(_l("A period is written YYYY-MM or YYYY."))]})
    return period


def is_valid_timezone(name: str) -> bool:
    """A zone of the IANA database: ``localtime`` (whatever zone the server is set to, which
    may change under a village) and ``Factory`` (no place's time) are no village's."""
    return name in _village_timezones()


@functools.cache
def _village_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


def period_of(moment: dt.datetime, timezone: str) -> str:
    """The period a moment falls in, seen from ``timezone``."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local.year:04d}-{local.month:02d}"


def current_period(timezone: str, now: dt.datetime | None = None) -> str:
    return period_of(now or utcnow(), timezone)


def local_day(moment: dt.datetime, timezone: str) -> dt.date:
    """The calendar day a moment falls on, seen from ``timezone``."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def day_bounds(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """When ``day`` starts in ``timezone`` and when the next one does, both in UTC."""
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


def day_from_text(text: str | None) -> dt.date | None:
    """The day an ISO date (``YYYY-MM-DD``) names, from :data:`FIRST_DAY` to :data:`LAST_DAY`;
    None for any other text."""
    try:
        day = dt.date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def local_today(timezone: str, now: dt.datetime | None = None) -> dt.date:
    """Today in ``timezone`` (by the app's clock)."""
    return local_day(now or utcnow(), timezone)


def is_valid_period(value: str) -> bool:
    """``YYYY-MM`` from 2000-01 to :data:`LAST_PERIOD`."""
    match = PERIOD_PATTERN.match(value or "")
    return bool(match) and int(match["year"]) >= 2000 and value <= LAST_PERIOD


def next_period(period: str) -> str:
    """The month after ``period``."""
    year, month = int(period[:4]), int(period[5:])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def previous_period(period: str) -> str:
    """The month before ``period``."""
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def neighbour_months(period: str) -> tuple[str | None, str | None]:
    """The months before and after ``period`` to link to: ``None`` for one the app does not
    reckon with (before 2000-01, after :data:`LAST_PERIOD`)."""
    earlier, later = previous_period(period), next_period(period)
    return (
        earlier if is_valid_period(earlier) else None,
        later if is_valid_period(later) else None,
    )


def previous_periods(period: str, count: int) -> list[str]:
    """``count`` periods ending with ``period``, oldest first."""
    result = []
    for _ in range(count):
        result.append(period)
        period = previous_period(period)
    return result[::-1]
