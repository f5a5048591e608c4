"""A village's months and days: the month after, the months before, a day's bounds."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from pointsmart.periods import day_bounds, local_day, next_period, previous_periods

PERIODS = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2000, 2999), st.integers(1, 12))


def test_the_month_after_december_is_january_of_the_next_year():
    assert next_period("2026-12") == "2027-01"
    assert next_period("2026-01") == "2026-02"


@given(PERIODS)
def test_the_month_after_is_the_one_whose_months_before_end_with_it(period):
    assert previous_periods(next_period(period), 2) == [period, next_period(period)]


def test_a_days_bounds_are_its_first_moments_in_the_villages_time():
    start, end = day_bounds(dt.date(2026, 3, 1), "Asia/Shanghai")

    assert start == dt.datetime(2026, 2, 28, 16, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(days=1)
    assert local_day(start, "Asia/Shanghai") == dt.date(2026, 3, 1)
    assert local_day(end - dt.timedelta(microseconds=1), "Asia/Shanghai") == dt.date(2026, 3, 1)
