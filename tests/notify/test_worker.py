"""The outbox and its worker against a stand-in of Alibaba Cloud SMS on this machine: every
message is written with its transfer, delivered exactly once through an error answer,
throttling and a lost reply, retried with backoff; a household without consent gets nothing;
a monthly cap holds."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
import sqlalchemy as sa

from pointsmart.counter import goods, sales, voids
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import SHORTFALL
from pointsmart.notify import service as notify
from pointsmart.notify.models import CAPPED, FAILED, SENDING, SENT, OutboxMessage
from pointsmart.notify.provider import AliyunSms, provider_settings
from pointsmart.notify.worker import run_round
from pointsmart.rules.models import RuleVersion
from tests.awards.conftest import add_rule
from tests.factories import ROOT
from tests.notify.conftest import BASE


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def drain(config, rounds: int = 60) -> None:
    """Run the worker until nothing is left to do (each round after what fell due)."""
    provider = AliyunSms(provider_settings(config), timeout_seconds=2)
    for _ in range(rounds):
        run_round(provider, config)
        waiting = [m for m in outbox() if m.status in ("pending", "unknown", "sending")]
        if not waiting:
            return
        time.sleep(max(min((m.next_attempt_at - utcnow()).total_seconds() for m in waiting), 0))
    raise AssertionError("the outbox did not empty")


@pytest.fixture
def village(make):
    village = make.village(name="短信村")
    keeper_shop = make.shop(village, name="积分超市")
    return village, keeper_shop


def test_a_household_without_consent_gets_nothing_and_one_with_consent_one_per_transfer(
    ctx, make, village
):
    village, _shop = village
    told = make.household(village, number="XF-001", head_name="王大爷")
    silent = make.household(village, number="XF-002", head_name="李大妈")
    notify.record_consent(ROOT, told.id, phone="+86 138 1234 5678")
    clean = add_rule(village, "mqsb", "门前三包", "rule", 10)
    version = db.session.execute(
        sa.select(RuleVersion.id).where(RuleVersion.rule_id == clean.id)
    ).scalar_one()
    first = make.award(told, 10, category="rule", rule_version_id=version)
    make.award(silent, 10)
    ledger.deduct(village.id, told.id, 3, category="black", memo="乱倒垃圾")
    ledger.reverse(first.id, reason="录错了")
    messages = outbox()
    assert [m.message_key for m in messages] == [
        f"t{first.id}",
        f"t{first.id + 2}",
        f"t{first.id + 3}",
    ]
    assert {m.household_id for m in messages} == {told.id}
    assert {m.phone for m in messages} == {"13812345678"}
    today = utcnow().astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    day = f"{today.month}月{today.day}日"
    assert [m.text for m in messages] == [
        f"XF-001户{day}门前三包得10分，余额10分。回TD退订",
        f"XF-001户{day}黑榜扣3分，余额7分。回TD退订",
        f"XF-001户{day}更正扣回10分，余额-3分。回TD退订",
    ]
    assert all(len("【幸福村积分超市】" + m.text) <= 70 for m in messages)


def test_an_offline_sale_charged_afterwards_is_told_like_a_sale(ctx, make, village):
    """A shortfall (an offline sale the household could not pay, charged when the committee
    settles it) may take the balance below zero: the household hears of it."""
    village, shop = village
    household = make.household(village, number="XF-003", head_name="赵大哥")
    notify.record_consent(ROOT, household.id, phone="13800000003")
    make.award(household, 5)
    shortfall = ledger.post(
        SHORTFALL, village.id, 12, household_id=household.id, shop_id=shop.id, memo="食用油 x1"
    )

    today = utcnow().astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    day = f"{today.month}月{today.day}日"
    told = outbox()[-1]
    assert told.message_key == f"t{shortfall.id}"
    assert told.text == f"XF-003户{day}离线兑换补扣12分，余额-7分。回TD退订"


def test_a_message_is_written_in_the_transfers_transaction(ctx, make, village):
    village, _shop = village
    household = make.household(village)
    notify.record_consent(ROOT, household.id, phone="13800000001")
    db.session.commit()
    nested = db.session.begin_nested()
    make.award(household, 5)
    assert len(outbox()) == 1
    nested.rollback()
    assert outbox() == []


def test_each_message_is_delivered_once_through_failure_throttling_and_a_lost_reply(
    ctx, make, village, standin, sms_config
):
    village, shop = village
    a = make.household(village, number="A-1", head_name="周大爷")
    b = make.household(village, number="B-2", head_name="吴大妈")
    nobody = make.household(village, number="C-3", head_name="郑大伯")
    notify.record_consent(ROOT, a.id, phone="13900000001")
    notify.record_consent(ROOT, b.id, phone="13900000002")
    make.award(a, 50)
    make.award(b, 20)
    make.award(nobody, 20)
    soap = goods.create_product(ROOT, shop.id, name="香皂", points_price=15, stock=5)
    keeper = make.staff("shopkeeper", village, shop)
    sale = sales.redeem_items(
        keeper.principal,
        shop_id=shop.id,
        household_id=a.id,
        items=[{"product_id": soap.id, "quantity": 1}],
    )
    voids.void_redemption(ROOT, sale.id, reason="拿错了")
    db.session.commit()
    keys = [m.message_key for m in outbox()]
    assert len(keys) == 4  # a's award, sale and void; b's award

    standin.script.extend(["drop", "throttle", "fail"])
    drain(sms_config)

    assert standin.problems == []
    assert sorted(standin.sent_keys()) == sorted(keys)  # each once: none lost, none twice
    messages = outbox()
    assert {m.status for m in messages} == {SENT}
    assert "13900000003" not in {m["PhoneNumbers"] for m in standin.delivered}
    taken = {m["OutId"]: m for m in standin.delivered}
    first = messages[0]
    assert taken[first.message_key]["TemplateCode"] == "SMS_CHANGE_1"
    assert taken[first.message_key]["SignName"] == "幸福村积分超市"
    assert json.loads(taken[first.message_key]["TemplateParam"]) == json.loads(first.params)
    # The lost reply: looked up by its key before any resend, and found.
    lookups = [q for _, action, q in standin.requests if action == "QuerySendDetails"]
    assert lookups
    assert lookups[0]["PhoneNumber"] == first.phone
    # The throttled and the refused message were sent again after a backoff.
    sends = [(t, q["OutId"]) for t, action, q in standin.requests if action == "SendSms"]
    retried = [key for key in keys if sum(1 for _, k in sends if k == key) > 1]
    assert retried
    for key in retried:
        times = [t for t, k in sends if k == key]
        assert times[1] - times[0] >= BASE / 2
    assert max(m.attempts for m in messages) >= 2


def test_a_worker_that_died_after_sending_does_not_send_again(
    ctx, make, village, standin, sms_config
):
    village, _shop = village
    household = make.household(village, number="D-4")
    notify.record_consent(ROOT, household.id, phone="13900000004")
    make.award(household, 8)
    db.session.commit()
    provider = AliyunSms(provider_settings(sms_config), timeout_seconds=2)
    # The worker claims and sends, then dies before it records the answer.
    from pointsmart.notify.worker import claim

    (claimed,), _, _ = claim(sms_config)
    assert (
        provider.send(
            phone=claimed.phone, kind=claimed.kind, params=claimed.params, key=claimed.key
        ).kind
        == "sent"
    )
    assert outbox()[0].status == SENDING
    time.sleep(0.6)  # the lease runs out
    drain(sms_config)
    assert standin.sent_keys() == [claimed.key]
    assert outbox()[0].status == SENT


def test_over_the_monthly_cap_nothing_more_is_sent(ctx, make, village, standin, sms_config):
    village, _shop = village
    notify.set_monthly_cap(ROOT, village.id, 2)
    household = make.household(village)
    notify.record_consent(ROOT, household.id, phone="13900000005")
    for points in (1, 2, 3):
        make.award(household, points)
    db.session.commit()
    drain(sms_config)
    assert len(standin.delivered) == 2
    assert [m.status for m in outbox()] == [SENT, SENT, CAPPED]
    overview = notify.overview(ROOT, village.id)
    assert (overview.sent_this_month, overview.monthly_cap) == (2, 2)


def test_a_wrong_number_fails_at_once(ctx, make, village, standin, sms_config, monkeypatch):
    village, _shop = village
    household = make.household(village)
    notify.record_consent(ROOT, household.id, phone="13900000006")
    make.award(household, 4)
    db.session.commit()
    original = standin._answer

    def refuse_number(handler, status, payload):
        if payload.get("Code") == "OK":
            standin.delivered.pop()
            payload = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "号码不对"}
        return original(handler, status, payload)

    monkeypatch.setattr(standin, "_answer", refuse_number)
    drain(sms_config)
    (message,) = outbox()
    assert (message.status, message.attempts) == (FAILED, 1)
    assert message.last_error.startswith("isv.MOBILE_NUMBER_ILLEGAL")


def test_the_stand_in_refuses_a_request_signed_with_another_secret(
    ctx, standin, sms_config, monkeypatch
):
    monkeypatch.setitem(sms_config, "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret")
    provider = AliyunSms(provider_settings(sms_config), timeout_seconds=2)
    outcome = provider.send(phone="13900000009", kind="change", params={}, key="t-bad")
    assert outcome.kind == "refused"
    assert standin.problems == ["signature does not match"]
    assert standin.delivered == []


def test_a_lookup_asks_the_days_from_the_send_to_the_apps_today(ctx, standin, sms_config):
    """The provider keeps a send by its day (Beijing time): a lookup asks each day from the
    message's first send to today, today as the app's clock tells it."""
    from pointsmart import clock

    since = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)  # 18:00 in Beijing
    provider = AliyunSms(provider_settings(sms_config), timeout_seconds=2)
    with clock.historical(dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)):
        found = provider.find(phone="13900000009", key="never-sent", since=since)

    asked = [q["SendDate"] for _, action, q in standin.requests if action == "QuerySendDetails"]
    assert found.kind == "absent"
    assert sorted(set(asked)) == ["20260301", "20260302", "20260303"]


def test_a_message_waiting_when_the_consent_stops_is_not_sent(
    ctx, make, village, standin, sms_config
):
    village, _shop = village
    stopped = make.household(village, number="E-5")
    moved_number = make.household(village, number="E-6")
    kept = make.household(village, number="E-7")
    notify.record_consent(ROOT, stopped.id, phone="13900000005")
    notify.record_consent(ROOT, moved_number.id, phone="13900000006")
    notify.record_consent(ROOT, kept.id, phone="13900000007")
    for household in (stopped, moved_number, kept):
        make.award(household, 5)
    db.session.commit()
    # Before the worker comes round: one household stops its texts (by the provider's stop
    # reply), another's number is changed by the committee.
    notify.stop_by_reply("13900000005")
    notify.record_consent(ROOT, moved_number.id, phone="13900000009")
    db.session.commit()

    drain(sms_config)

    assert [m["PhoneNumbers"] for m in standin.delivered] == ["13900000007"]
    statuses = {m.household_id: m.status for m in outbox()}
    assert statuses == {stopped.id: FAILED, moved_number.id: FAILED, kept.id: SENT}
    assert notify.overview(ROOT, village.id).sent_this_month == 1  # the cap counts one


def test_a_message_taken_over_after_its_lease_ran_out_is_not_sent_by_both_workers(
    ctx, make, village, standin, sms_config
):
    from pointsmart.notify.worker import RoundReport, claim, deliver

    village, _shop = village
    household = make.household(village, number="F-8")
    notify.record_consent(ROOT, household.id, phone="13900000008")
    make.award(household, 3)
    make.award(household, 4)
    db.session.commit()
    provider = AliyunSms(provider_settings(sms_config), timeout_seconds=2)
    # Worker A claims both, then is slow (a provider that times out) past the lease.
    slow, _, _ = claim(sms_config)
    assert len(slow) == 2
    time.sleep(0.6)
    # Worker B takes the messages over, looks them up (absent) and sends them.
    run_round(provider, sms_config)
    # Worker A comes to them at last.
    for message in slow:
        deliver(provider, message, sms_config, RoundReport())

    assert sorted(standin.sent_keys()) == sorted(m.key for m in slow)  # each once
    assert {m.status for m in outbox()} == {SENT}


def test_a_message_whose_lookups_never_answer_is_given_up_and_never_sent_again(
    ctx, make, village, standin, sms_config, app, monkeypatch
):
    """Its send was taken but not answered; every lookup after fails. It was asked about at
    the same pace for ever; now each lookup counts as a try, and it fails like a send that
    never answers (twice SMS_MAX_ATTEMPTS)."""
    monkeypatch.setitem(app.config, "SMS_MAX_ATTEMPTS", 2)
    village, _shop = village
    household = make.household(village, number="L-1")
    notify.record_consent(ROOT, household.id, phone="13900000011")
    make.award(household, 6)
    db.session.commit()
    standin.script.append("drop")
    standin.lookups_fail = True

    drain(sms_config)

    (message,) = outbox()
    assert (message.status, message.attempts) == (FAILED, 4)
    assert len(standin.sent_keys()) == 1  # the one send, never repeated
    lookups = [q for _, action, q in standin.requests if action == "QuerySendDetails"]
    assert len(lookups) == 3
