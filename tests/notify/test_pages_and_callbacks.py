"""The committee's text-message page and API, the household's stop on /me, the provider's
receipts and stop replies, and the worker that refuses to start without provider settings."""

from __future__ import annotations

import sqlalchemy as sa

from pointsmart.admin.households import mark_moved_away
from pointsmart.extensions import db
from pointsmart.notify import service as notify
from pointsmart.notify.models import DELIVERED, SENT, UNKNOWN, OutboxMessage, SmsConsent
from tests.counter.web import hidden_fields, sign_in
from tests.factories import ROOT
from tests.villagers.test_pages import csrf_client, household_with_pin  # noqa: F401
from tests.villagers.test_pages import sign_in as villager_sign_in

TOKEN = "callback-secret-123"


def test_without_provider_settings_the_admin_page_says_messages_wait(client, make):
    village = make.village(name="等待村")
    admin = make.staff("admin", village)
    household = make.household(village, number="W-1")
    notify.record_consent(ROOT, household.id, phone="13700000001")
    make.award(household, 5)
    sign_in(client, admin)
    html = client.get(f"/admin/villages/{village.id}/sms").get_data(as_text=True)
    assert "服务器还没有配置短信服务" in html
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in html
    assert "发件箱等待发送：1 条" in html
    assert "本月（" in html
    assert "已发 0 条，上限 300 条" in html
    assert "21:00 到 08:00 不发短信，这段时间的短信到 08:00 再发" in html


def test_the_committee_records_a_consent_and_sets_the_cap_on_the_page(client, make):
    village = make.village(name="登记村")
    admin = make.staff("admin", village)
    household = make.household(village, number="R-7", head_name="钱大爷")
    sign_in(client, admin)
    page = f"/admin/villages/{village.id}/sms"

    def post(action: str, **data):
        fields = hidden_fields(client.get(page).get_data(as_text=True), action)
        return client.post(action, data={**fields, **data})

    answer = post(f"{page}/consents", number="R－７", phone="137 0000 0002")  # typed full-width
    assert answer.status_code == 303
    consent = db.session.get(SmsConsent, household.id)
    assert (consent.phone, consent.stopped_at) == ("13700000002", None)
    refused = post(f"{page}/consents", number="R-7", phone="12345")
    assert refused.status_code == 422
    assert "请填写11位手机号码" in refused.get_data(as_text=True)
    assert post(f"{page}/cap", monthly_cap="20").status_code == 303
    assert notify.monthly_cap(village.id) == 20
    html = client.get(page).get_data(as_text=True)
    assert "钱大爷" in html
    assert "上限 20 条" in html


def test_the_api_records_and_stops_a_consent(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    household = make.household(village)
    path = f"/households/{household.id}/sms-consent"
    answer = api.request("PUT", path, expect=200, json={"phone": "13700000003"}, as_=admin)
    assert answer.get_json()["phone"] == "13700000003"
    overview = api.get(f"/villages/{village.id}/sms", as_=admin)
    assert overview["configured"] is False
    assert [c["phone"] for c in overview["consents"]] == ["13700000003"]
    assert overview["quiet_hours"] == "21:00-08:00"
    api.request("DELETE", path, expect=204, as_=admin)
    assert db.session.get(SmsConsent, household.id).stopped_via == "committee"
    refused = api.request("PUT", path, expect=422, json={"phone": "x"}, as_=admin)
    assert "phone" in refused.get_json()["errors"]


def test_a_household_that_moved_away_is_shown_as_getting_no_more_texts(client, api, make):
    """Regression: the committee's page listed its consent as active, with a stop button,
    though nothing more posts to it and no summary is sent to it."""
    village = make.village(name="迁出村")
    admin = make.staff("admin", village)
    household = make.household(village, number="M-1", head_name="孙大爷")
    notify.record_consent(ROOT, household.id, phone="13700000009")
    mark_moved_away(ROOT, household.id)

    overview = api.get(f"/villages/{village.id}/sms", as_=admin)
    sign_in(client, admin)
    html = client.get(f"/admin/villages/{village.id}/sms").get_data(as_text=True)

    assert overview["consents"][0]["moved_away"] is True
    assert "已迁出，不再发短信" in html


def test_a_household_stops_its_texts_from_me(csrf_client, make):  # noqa: F811
    village = make.village()
    household = household_with_pin(make, village)
    notify.record_consent(ROOT, household.id, phone="13800138000")
    db.session.commit()
    villager_sign_in(csrf_client)
    html = csrf_client.get("/me").get_data(as_text=True)
    assert "不再接收短信" in html
    fields = hidden_fields(html, "/me/sms/stop")
    assert csrf_client.post("/me/sms/stop", data=fields).status_code == 303
    assert db.session.get(SmsConsent, household.id).stopped_via == "villager"
    make.award(household, 5)
    assert db.session.execute(sa.select(OutboxMessage)).first() is None
    assert "不再接收短信" not in csrf_client.get("/me").get_data(as_text=True)


def test_receipts_and_stop_replies_come_in_with_the_secret_url(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_CALLBACK_TOKEN", TOKEN)
    village = make.village()
    household = make.household(village)
    other = make.household(village)
    notify.record_consent(ROOT, household.id, phone="13700000004")
    notify.record_consent(ROOT, other.id, phone="13700000005")
    transfer = make.award(household, 5)
    message = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    message.status, message.provider_id = SENT, "77^0"
    db.session.commit()
    report = [
        {
            "phone_number": "13700000004",
            "success": True,
            "err_code": "DELIVERED",
            "biz_id": "77^0",
            "out_id": f"t{transfer.id}",
        }
    ]
    unknown = client.post("/notify/aliyun/wrong/report", json=report)
    assert (unknown.status_code, unknown.mimetype) == (404, "application/problem+json")
    assert unknown.json["code"] == "not_found"
    answer = client.post(f"/notify/aliyun/{TOKEN}/report", json=report)
    assert (answer.status_code, answer.json) == (200, {"code": 0, "msg": "接收成功"})
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert (message.status, message.receipt_code) == (DELIVERED, "DELIVERED")

    up = [{"phone_number": "13700000004", "content": " td ", "sign_name": "幸福村积分超市"}]
    assert client.post(f"/notify/aliyun/{TOKEN}/up", json=up).status_code == 200
    db.session.expire_all()
    assert db.session.get(SmsConsent, household.id).stopped_via == "reply"
    assert db.session.get(SmsConsent, other.id).stopped_at is None
    chat = [{"phone_number": "13700000005", "content": "谢谢"}]
    client.post(f"/notify/aliyun/{TOKEN}/up", json=chat)
    assert db.session.get(SmsConsent, other.id).stopped_at is None
    nonsense = client.post(f"/notify/aliyun/{TOKEN}/up", data="nonsense")
    assert (nonsense.status_code, nonsense.mimetype) == (400, "application/problem+json")
    assert nonsense.json["code"] == "bad_request"


def test_a_stop_reply_typed_full_width_or_with_punctuation_stops_the_texts(
    client, make, app, monkeypatch
):
    """A feature phone's Chinese input method types ＴＤ (full-width) and adds 。 or ！: such
    a reply was taken for chat, and the household that asked to stop kept getting texts."""
    monkeypatch.setitem(app.config, "SMS_CALLBACK_TOKEN", TOKEN)
    village = make.village()
    replies = ["ＴＤ", "td。", "退订！", " Ｓｔｏｐ ", "【退订】"]
    households = [make.household(village) for _ in replies]
    kept = make.household(village)
    for index, household in enumerate([*households, kept]):
        notify.record_consent(ROOT, household.id, phone=f"137000001{index:02d}")
    db.session.commit()
    up = [
        {"phone_number": f"137000001{index:02d}", "content": content}
        for index, content in enumerate([*replies, "谢谢，TD是什么？"])
    ]
    assert client.post(f"/notify/aliyun/{TOKEN}/up", json=up).status_code == 200
    db.session.expire_all()
    assert [db.session.get(SmsConsent, h.id).stopped_via for h in households] == ["reply"] * 5
    assert db.session.get(SmsConsent, kept.id).stopped_at is None


def test_without_quiet_hours_the_page_says_nothing_of_them(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_QUIET_HOURS", "off")
    village = make.village()
    sign_in(client, make.staff("admin", village))
    html = client.get(f"/admin/villages/{village.id}/sms").get_data(as_text=True)
    assert "不发短信" not in html


def test_the_worker_refuses_to_start_without_provider_settings(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["notify", "run", "--once"])
    assert result.exit_code == 2
    assert "not configured" in result.output
    assert "0 messages wait" in result.output


def test_a_receipt_with_a_biz_id_longer_than_any_is_kept_without_it(client, make, app, monkeypatch):
    """A BizId longer than the column (64) is no id the provider gives: the receipt is recorded
    and the id left out. It answered 500 on PostgreSQL (value too long), and the provider
    pushes again whatever is not answered ``code: 0``."""
    monkeypatch.setitem(app.config, "SMS_CALLBACK_TOKEN", TOKEN)
    village = make.village()
    household = make.household(village)
    notify.record_consent(ROOT, household.id, phone="13700000006")
    transfer = make.award(household, 5)
    # Sent, with the provider's answer lost: no id yet, the receipt would give one.
    db.session.execute(sa.update(OutboxMessage).values(status=UNKNOWN))
    db.session.commit()
    report = [
        {"success": True, "err_code": "DELIVERED", "biz_id": "9" * 65, "out_id": f"t{transfer.id}"}
    ]

    answer = client.post(f"/notify/aliyun/{TOKEN}/report", json=report)

    assert (answer.status_code, answer.json) == (200, {"code": 0, "msg": "接收成功"})
    db.session.expire_all()
    message = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert (message.status, message.provider_id) == (DELIVERED, None)
