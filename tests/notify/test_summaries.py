"""The month's summary text: queued once per household, for a month that has ended on the
village's clock, with that month's figures."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from pointsmart import clock
from pointsmart.database import utcnow
from pointsmart.errors import ValidationFailed
from pointsmart.extensions import db
from pointsmart.notify import service as notify
from pointsmart.notify.models import OutboxMessage
from pointsmart.notify.outbox import queue_summaries
from pointsmart.periods import current_period, next_period
from tests.factories import ROOT


def summaries() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "summary")
        ).scalars()
    )


def first_morning_of(period: str) -> dt.datetime:
    """09:00 in Shanghai on the first day of ``period``."""
    year, month = int(period[:4]), int(period[5:])
    return dt.datetime(year, month, 1, 1, 0, tzinfo=dt.UTC)


def test_summaries_are_queued_once_a_month(ctx, make):
    village = make.village(name="总结村")
    household = make.household(village, number="E-5")
    notify.record_consent(ROOT, household.id, phone="13900000007")
    make.award(household, 30)
    month = current_period(village.timezone)
    with clock.historical(first_morning_of(next_period(month))):
        assert queue_summaries(ROOT, village.id, month) == 1
        assert queue_summaries(ROOT, village.id, month) == 0
        assert queue_summaries(ROOT, village.id) == 0  # last month, by default: the same
    (summary,) = summaries()
    assert summary.message_key == f"s{household.id}-{month.replace('-', '')}"
    assert summary.text == f"E-5户{int(month[5:])}月得30分，扣0分，兑换0分，余额30分。回TD退订"


def test_a_summary_sent_late_gives_the_balance_as_the_month_closed(ctx, make):
    """Regression: it gave the balance at sending: sent on the 15th, November's figures came
    with a balance after half of December's spending (and earning)."""
    village = make.village(name="晚发村")
    household = make.household(village, number="E-6")
    notify.record_consent(ROOT, household.id, phone="13900000008")
    month = current_period(village.timezone)
    make.award(household, 30)
    late = first_morning_of(next_period(month)) + dt.timedelta(days=14)
    with clock.historical(late):
        make.award(household, 12)  # in the next month, before the summary is sent
        assert queue_summaries(ROOT, village.id, month) == 1

    (summary,) = summaries()
    assert summary.text.endswith("余额30分。回TD退订")


def test_a_month_still_running_gets_no_summary_so_its_whole_summary_is_sent_when_it_ends(ctx, make):
    """Queued on the 20th by mistake, a summary told half the month and its key (one per
    household and month) kept the true one from being queued when the month ended."""
    village = make.village(name="月中村")
    household = make.household(village, number="M-1")
    notify.record_consent(ROOT, household.id, phone="13900000017")
    make.award(household, 10)
    month = current_period(village.timezone)

    for early in (month, next_period(month)):
        with pytest.raises(ValidationFailed) as refused:
            queue_summaries(ROOT, village.id, early)
        assert "month" in refused.value.errors
    assert summaries() == []

    make.award(household, 5)  # the rest of the month
    with clock.historical(max(utcnow(), first_morning_of(next_period(month)))):
        assert queue_summaries(ROOT, village.id) == 1
    (summary,) = summaries()
    assert summary.text == f"M-1户{int(month[5:])}月得15分，扣0分，兑换0分，余额15分。回TD退订"


def test_the_month_ends_on_the_villages_clock(ctx, make):
    """At 23:30 on the month's last day in Shanghai (15:30 UTC) the month is still running
    there; at 00:30 on the first it has ended."""
    village = make.village(name="时区村")
    household = make.household(village, number="T-1")
    notify.record_consent(ROOT, household.id, phone="13900000027")
    late_evening = dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC)
    with clock.historical(late_evening), pytest.raises(ValidationFailed):
        queue_summaries(ROOT, village.id, "2026-03")
    with clock.historical(dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC)):
        assert queue_summaries(ROOT, village.id) == 1
    (summary,) = summaries()
    assert summary.message_key == f"s{household.id}-202603"
