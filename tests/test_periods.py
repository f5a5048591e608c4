"""A village's months and days: the month after, the months before, a day's bounds, the
first and last of each the app reckons with."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointsmart.errors import ValidationFailed
from pointsmart.periods import (
    FIRST_DAY,
    LAST_DAY,
    LAST_PERIOD,
    checked_month_or_year,
    checked_period,
    day_bounds,
    day_from_text,
    is_valid_period,
    local_day,
    neighbour_months,
    next_period,
    previous_period,
    previous_periods,
)

PERIODS = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2000, 2999), st.integers(1, 12))


def test_the_month_after_december_is_january_of_the_next_year():
    assert next_period("2026-12") == "2027-01"
    assert next_period("2026-01") == "2026-02"


@given(PERIODS)
def test_the_month_after_is_the_one_whose_months_before_end_with_it(period):
    assert previous_periods(next_period(period), 2) == [period, next_period(period)]


@given(PERIODS)
def test_the_month_before_is_the_one_the_months_before_name(period):
    assert previous_period(period) == previous_periods(period, 2)[0]
    assert next_period(previous_period(period)) == period


def test_the_neighbour_months_are_none_beyond_the_apps_calendar():
    assert neighbour_months("2026-01") == ("2025-12", "2026-02")
    assert neighbour_months("2000-01") == (None, "2000-02")
    assert neighbour_months(LAST_PERIOD) == ("9999-10", None)


def test_a_days_bounds_are_its_first_moments_in_the_villages_time():
    start, end = day_bounds(dt.date(2026, 3, 1), "Asia/Shanghai")

    assert start == dt.datetime(2026, 2, 28, 16, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(days=1)
    assert local_day(start, "Asia/Shanghai") == dt.date(2026, 3, 1)
    assert local_day(end - dt.timedelta(microseconds=1), "Asia/Shanghai") == dt.date(2026, 3, 1)


def test_the_last_period_is_the_last_month_whose_end_a_date_can_hold():
    assert is_valid_period(LAST_PERIOD)
    assert next_period(LAST_PERIOD) == "9999-12"
    assert not is_valid_period("9999-12")  # it would end on 10000-01-01, which is no date


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Asia/Shanghai", "Pacific/Pago_Pago"])
def test_the_first_and_last_days_have_bounds_in_every_time_zone(zone):
    for day in (FIRST_DAY, LAST_DAY):
        start, end = day_bounds(day, zone)
        assert end - start == dt.timedelta(days=1)


def test_a_day_is_read_from_its_iso_date():
    assert day_from_text("2026-02-28") == dt.date(2026, 2, 28)
    assert day_from_text(FIRST_DAY.isoformat()) == FIRST_DAY
    assert day_from_text(LAST_DAY.isoformat()) == LAST_DAY


@pytest.mark.parametrize(
    "text", ["0001-01-01", "1999-12-31", "9999-12-01", "9999-12-31", "2026-02-30", "bogus", ""]
)
def test_a_day_outside_the_apps_calendar_or_no_date_at_all_is_no_day(text):
    assert day_from_text(text) is None
    assert day_from_text(None) is None


@pytest.mark.parametrize("period", ["2026-03", "2000-01", "9999-11"])
def test_a_month_the_app_reckons_with_is_taken_as_it_is(period):
    assert checked_period(period) == period
    assert checked_period(period, latest=period) == period


@pytest.mark.parametrize(
    ("period", "latest", "said"),
    [
        (None, None, "A period is written YYYY-MM."),
        ("1999-12", None, "A period is written YYYY-MM."),
        ("2026-13", None, "A period is written YYYY-MM."),
        ("2026-04", "2026-03", "The period is in the future."),
    ],
)
def test_a_month_missing_malformed_or_after_the_latest_is_refused_naming_its_field(
    period, latest, said
):
    with pytest.raises(ValidationFailed) as refused:
        checked_period(period, "month", latest=latest)

    assert refused.value.errors == {"month": [said]}
    assert refused.value.detail == said


@pytest.mark.parametrize("period", ["2026", "2000", "9998", "2026-03", "9999-11"])
def test_a_year_or_a_month_is_a_period_of_the_dashboards(period):
    assert checked_month_or_year(period) == period


@pytest.mark.parametrize("period", ["1999", "9999", "9999-12", "2026-13", "26", "２０２６", ""])
def test_a_year_or_month_the_app_does_not_reckon_with_is_refused(period):
    with pytest.raises(ValidationFailed) as refused:
        checked_month_or_year(period)

    assert str(refused.value.errors["period"][0]).startswith("A period is written")
