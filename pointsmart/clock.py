"""The time the application goes by.

Every timestamp the app writes comes from :func:`utcnow` (``database.utcnow`` is this one,
``periods.current_period`` asks it too). Outside :func:`historical` it is the system clock.

:func:`historical` is for writing history after the fact: the demo village posts four
months in a few seconds when it loads. Inside the block ``utcnow`` answers the moment the
history has reached, so every row (transfer, sale, stock move, activity, board entry) is
stamped with the day it tells of, the period of each transfer is that day's month, and the
stamps of a village's transfers still rise with their chain positions, as the 公示 sheet
and ``ledger verify --head`` rely on. Nothing else in the app sets it, and no request of
the app runs in one; the security tests ask their matrix of URLs at the moment its world
was seeded, so that a day turning during the suite does not close a window opened "today".
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar

_historical_now: ContextVar[dt.datetime | None] = ContextVar("pointsmart_clock", default=None)


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC, to the microsecond."""
    moment = _historical_now.get()
    return dt.datetime.now(dt.UTC) if moment is None else moment


def historical_moment() -> dt.datetime | None:
    """Where the clock of the :func:`historical` block the caller is in stands; None outside."""
    return _historical_now.get()


class HistoricalClock:
    """The clock inside :func:`historical`. It moves forward only, as a history is told."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def move_to(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        if moment < self.now:
            raise ValueError(f"history runs forward: {moment} is before {self.now}")
        self.now = moment
        _historical_now.set(moment)


@contextlib.contextmanager
def historical(start: dt.datetime) -> Iterator[HistoricalClock]:
    """Within the block, :func:`utcnow` is ``start`` and then wherever the clock is moved."""
    clock = HistoricalClock(start.astimezone(dt.UTC))
    token = _historical_now.set(clock.now)
    try:
        yield clock
    finally:
        _historical_now.reset(token)
