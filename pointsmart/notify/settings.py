"""The SMS worker's settings, and the quiet hours in which no text is sent.

Each setting comes from the app's config, else the environment (where the deployment sets
it, as it sets the provider's), else its default. ``flask notify run`` refuses to start on a
value it cannot read (:func:`problems`), rather than retry with a setting nobody meant.

Quiet hours (``SMS_QUIET_HOURS``, default ``21:00-08:00``, ``off`` for none) are read on the
village's own clock: a text about points, or a month's summary queued at midnight, waits
until the morning instead of waking an elderly villager. ``08:00-21:00`` would mean the
opposite window, so a window that runs past midnight is written with its later hour first.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

DEFAULTS: dict[str, Any] = {
    "SMS_RETRY_BASE_SECONDS": 30.0,
    "SMS_RETRY_MAX_SECONDS": 3600.0,
    "SMS_MAX_ATTEMPTS": 8,
    "SMS_LEASE_SECONDS": 120.0,
    "SMS_QUIET_HOURS": "21:00-08:00",
}
NO_QUIET_HOURS = ("off", "none")
_WINDOW = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])-([01]?[0-9]|2[0-3]):([0-5][0-9])\Z")


def _raw(config: Any, name: str) -> Any:
    value = config.get(name)
    if value is None:
        value = os.environ.get(name)
    return DEFAULTS[name] if value is None or str(value).strip() == "" else value


def setting(config: Any, name: str) -> Any:
    """A number the worker goes by (a bad one raises ``ValueError``; see :func:`problems`)."""
    kind = type(DEFAULTS[name])
    raw = _raw(config, name)
    value = kind(str(raw).strip()) if isinstance(raw, str) else kind(raw)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a number above 0, not {raw!r}")
    return value


@dataclass(frozen=True)
class QuietHours:
    """A daily window, on a village's clock, in which no text is sent."""

    start: dt.time
    end: dt.time

    def until(self, now: dt.datetime, timezone: str) -> dt.datetime | None:
        """When the window that ``now`` falls in ends (UTC); None outside the window."""
        zone = ZoneInfo(timezone)
        local = now.astimezone(zone)
        moment = local.time().replace(tzinfo=None)
        day = local.date()
        if self.start < self.end:
            if not self.start <= moment < self.end:
                return None
        elif self.end <= moment < self.start:
            return None
        elif moment >= self.start:  # the window runs past midnight: it ends tomorrow
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, self.end, tzinfo=zone).astimezone(dt.UTC)


def quiet_hours(config: Any) -> QuietHours | None:
    """The configured quiet hours, None when there are none (a bad value raises)."""
    raw = str(_raw(config, "SMS_QUIET_HOURS")).strip()
    if raw.lower() in NO_QUIET_HOURS:
        return None
    found = _WINDOW.match(raw.replace(" ", ""))
    if found is None:
        raise ValueError(f"SMS_QUIET_HOURS is HH:MM-HH:MM or off, not {raw!r}")
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in found.groups())
    start, end = dt.time(start_hour, start_minute), dt.time(end_hour, end_minute)
    if start == end:
        raise ValueError(f"SMS_QUIET_HOURS starts and ends at the same time: {raw!r}")
    return QuietHours(start, end)


def problems(config: Any) -> list[str]:
    """What is wrong with the worker's settings (nothing: it may start)."""
    found = []
    for name in DEFAULTS:
        try:
            quiet_hours(config) if name == "SMS_QUIET_HOURS" else setting(config, name)
        except ValueError as error:
            message = str(error)
            found.append(message if message.startswith(name) else f"{name}: {message}")
    return found
