"""Periods and days in the village's time zone: the month a transfer counts for (``YYYY-MM``)
and the calendar day of a moment (from 00:00 to 08:00 in Shanghai the UTC date is still
yesterday's)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .clock import utcnow

PERIOD_PATTERN = re.compile(r"^(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])\Z")


def is_valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


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


def local_today(timezone: str, now: dt.datetime | None = None) -> dt.date:
    """Today in ``timezone`` (by the app's clock)."""
    return local_day(now or utcnow(), timezone)


def is_valid_period(value: str) -> bool:
    match = PERIOD_PATTERN.match(value or "")
    return bool(match) and int(match["year"]) >= 2000


def next_period(period: str) -> str:
    """The month after ``period``."""
    year, month = int(period[:4]), int(period[5:])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def previous_periods(period: str, count: int) -> list[str]:
    """``count`` periods ending with ``period``, oldest first."""
    year, month = int(period[:4]), int(period[5:])
    result = []
    for _ in range(count):
        result.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return result[::-1]
