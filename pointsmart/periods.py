"""Periods: the month a transfer counts for, ``YYYY-MM`` in the village's time zone."""

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


def is_valid_period(value: str) -> bool:
    match = PERIOD_PATTERN.match(value or "")
    return bool(match) and int(match["year"]) >= 2000


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
