"""The stand-in of Alibaba Cloud SMS on this machine, and the settings that point at it."""

from __future__ import annotations

import pytest

from tests.notify.standin import ACCESS_KEY_ID, ACCESS_KEY_SECRET, StandIn

BASE = 0.2  # seconds: the first retry waits 0.1-0.2 s, the next 0.2-0.4 s, ...


@pytest.fixture
def standin():
    with StandIn() as server:
        yield server


@pytest.fixture
def sms_config(app, standin, monkeypatch):
    for name, value in {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET,
        "SMS_SIGN_NAME": "幸福村积分超市",
        "SMS_TEMPLATE_CHANGE": "SMS_CHANGE_1",
        "SMS_TEMPLATE_SUMMARY": "SMS_SUMMARY_1",
        "SMS_ENDPOINT": standin.endpoint,
        "SMS_PROTOCOL": "http",
        "SMS_RETRY_BASE_SECONDS": BASE,
        "SMS_LEASE_SECONDS": 0.5,
        "SMS_QUIET_HOURS": "off",  # these tests run at any hour; test_quiet_hours.py has them
    }.items():
        monkeypatch.setitem(app.config, name, value)
    return app.config
