"""No text in a village's quiet hours (SMS_QUIET_HOURS, on the village's own clock): what
falls due at night waits for the morning and is sent then, once; the worker's settings come
from the environment too, and it refuses to start on one it cannot read."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pointsmart import clock
from pointsmart.extensions import db
from pointsmart.notify import service as notify
from pointsmart.notify.models import PENDING, SENT
from pointsmart.notify.provider import AliyunSms, provider_settings
from pointsmart.notify.settings import problems, quiet_hours, setting
from pointsmart.notify.worker import run_round
from tests.factories import ROOT
from tests.notify.standin import ACCESS_KEY_ID, ACCESS_KEY_SECRET
from tests.notify.test_worker import outbox

BEIJING = ZoneInfo("Asia/Shanghai")


def tomorrow_at(hour: int, minute: int = 0, zone: ZoneInfo = BEIJING) -> dt.datetime:
    """A moment after every row the test writes now (they carry the real time)."""
    day = dt.datetime.now(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


@pytest.fixture
def night_config(sms_config, monkeypatch):
    monkeypatch.setitem(sms_config, "SMS_QUIET_HOURS", "21:00-08:00")
    return sms_config


def a_text_waiting(make, village, phone: str):
    household = make.household(village)
    notify.record_consent(ROOT, household.id, phone=phone)
    make.award(household, 5)
    db.session.commit()
    return household


def test_a_text_due_at_night_waits_for_the_morning_and_is_sent_once_then(
    ctx,
    make,
    standin,
    night_config,
):
    village = make.village(name="夜里村", timezone="Asia/Shanghai")
    a_text_waiting(make, village, "13900000021")
    provider = AliyunSms(provider_settings(night_config), timeout_seconds=2)
    night = tomorrow_at(23, 30)
    morning = tomorrow_at(8) + dt.timedelta(days=1)

    with clock.historical(night) as moment:
        report = run_round(provider, night_config)
        assert (report.claimed, report.deferred) == (0, 1)
        (message,) = outbox()
        assert (message.status, message.attempts) == (PENDING, 0)
        assert message.next_attempt_at == morning
        moment.move_to(morning - dt.timedelta(seconds=1))
        assert run_round(provider, night_config).claimed == 0  # not due before 8:00
        moment.move_to(morning)
        report = run_round(provider, night_config)
        assert (report.claimed, report.sent, report.deferred) == (1, 1, 0)

    assert [m["PhoneNumbers"] for m in standin.delivered] == ["13900000021"]
    assert [m.status for m in outbox()] == [SENT]


def test_quiet_hours_are_each_villages_own(ctx, make, standin, night_config):
    """At 22:30 in Beijing it is 20:30 in Urumqi: the village there still gets its text."""
    beijing = make.village(name="北京时间村", timezone="Asia/Shanghai")
    urumqi = make.village(name="乌鲁木齐时间村", timezone="Asia/Urumqi")
    a_text_waiting(make, beijing, "13900000022")
    a_text_waiting(make, urumqi, "13900000023")
    provider = AliyunSms(provider_settings(night_config), timeout_seconds=2)

    with clock.historical(tomorrow_at(22, 30)):
        report = run_round(provider, night_config)

    assert (report.sent, report.deferred) == (1, 1)
    assert [m["PhoneNumbers"] for m in standin.delivered] == ["13900000023"]


@pytest.mark.parametrize(
    ("window", "local_time", "ends"),
    [
        ("21:00-08:00", "20:59", None),
        ("21:00-08:00", "21:00", "08:00 the next day"),
        ("21:00-08:00", "03:15", "08:00"),
        ("21:00-08:00", "08:00", None),
        ("12:00-14:30", "13:00", "14:30"),
        ("12:00-14:30", "14:30", None),
        ("12:00-14:30", "11:59", None),
    ],
)
def test_a_window_tells_when_the_quiet_ends(window, local_time, ends):
    hours = quiet_hours({"SMS_QUIET_HOURS": window})
    day = dt.date(2026, 3, 10)
    hour, minute = (int(part) for part in local_time.split(":"))
    now = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BEIJING)
    until = hours.until(now.astimezone(dt.UTC), "Asia/Shanghai")
    if ends is None:
        assert until is None
        return
    end_hour, end_minute = (int(part) for part in ends[:5].split(":"))
    end_day = day + dt.timedelta(days=1 if "next day" in ends else 0)
    expected = dt.datetime.combine(end_day, dt.time(end_hour, end_minute), tzinfo=BEIJING)
    assert until == expected


@pytest.mark.parametrize("none", ["off", "OFF", "none"])
def test_quiet_hours_can_be_turned_off(none):
    assert quiet_hours({"SMS_QUIET_HOURS": none}) is None


def test_the_worker_reads_its_settings_from_the_environment_too(monkeypatch):
    monkeypatch.setenv("SMS_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("SMS_RETRY_BASE_SECONDS", "12.5")
    monkeypatch.setenv("SMS_QUIET_HOURS", "22:00-07:00")
    assert setting({}, "SMS_MAX_ATTEMPTS") == 3
    assert setting({}, "SMS_RETRY_BASE_SECONDS") == 12.5
    assert quiet_hours({}) == quiet_hours({"SMS_QUIET_HOURS": "22:00-07:00"})
    assert setting({"SMS_MAX_ATTEMPTS": 5}, "SMS_MAX_ATTEMPTS") == 5  # the app's config first
    monkeypatch.delenv("SMS_MAX_ATTEMPTS")
    assert setting({}, "SMS_MAX_ATTEMPTS") == 8
    monkeypatch.setenv("SMS_QUIET_HOURS", "")  # set but empty: the default
    assert quiet_hours({}) == quiet_hours({"SMS_QUIET_HOURS": "21:00-08:00"})


def test_settings_it_cannot_read_are_named():
    found = problems(
        {
            "SMS_MAX_ATTEMPTS": "many",
            "SMS_RETRY_BASE_SECONDS": "-1",
            "SMS_LEASE_SECONDS": "nan",
            "SMS_QUIET_HOURS": "22:00-22:00",
        }
    )
    assert [problem.split(" ")[0].rstrip(":") for problem in found] == [
        "SMS_RETRY_BASE_SECONDS",
        "SMS_MAX_ATTEMPTS",
        "SMS_LEASE_SECONDS",
        "SMS_QUIET_HOURS",
    ]
    assert problems({"SMS_QUIET_HOURS": "bedtime"}) == [
        "SMS_QUIET_HOURS is HH:MM-HH:MM or off, not 'bedtime'"
    ]
    assert problems({}) == []


@pytest.mark.app_config(
    ALIBABA_CLOUD_ACCESS_KEY_ID=ACCESS_KEY_ID,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
    SMS_SIGN_NAME="幸福村积分超市",
    SMS_TEMPLATE_CHANGE="SMS_CHANGE_1",
    SMS_TEMPLATE_SUMMARY="SMS_SUMMARY_1",
    SMS_QUIET_HOURS="from nine",
)
def test_the_worker_refuses_to_start_on_a_setting_it_cannot_read(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["notify", "run", "--once"])
    assert result.exit_code == 2
    assert "SMS_QUIET_HOURS is HH:MM-HH:MM or off, not 'from nine'" in result.output
