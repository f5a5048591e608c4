"""The app's clock: the system's, except inside a history written after the fact."""

import datetime as dt

import pytest

from pointsmart import clock, database, periods


def test_outside_a_history_the_clock_is_the_system_clock():
    before = dt.datetime.now(dt.UTC)
    now = clock.utcnow()
    assert before <= now <= dt.datetime.now(dt.UTC)
    assert database.utcnow is clock.utcnow


def test_inside_a_history_every_stamp_and_period_follows_it_forward_only():
    start = dt.datetime(2026, 3, 31, 15, 59, tzinfo=dt.UTC)  # 23:59 in Shanghai

    with clock.historical(start) as history:
        assert clock.utcnow() == start
        assert periods.current_period("Asia/Shanghai") == "2026-03"
        history.move_to(start + dt.timedelta(minutes=2))
        assert periods.current_period("Asia/Shanghai") == "2026-04"
        with pytest.raises(ValueError, match="forward"):
            history.move_to(start)
        with pytest.raises(ValueError, match="naive"):
            history.move_to(dt.datetime(2026, 5, 1))

    assert abs(clock.utcnow() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
