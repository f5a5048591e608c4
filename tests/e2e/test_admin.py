"""The village clerk, on a phone in Chromium, changes the village's settings (a refused
yuan rate first, in Chinese) and finds the change in the audit log."""

from __future__ import annotations

from decimal import Decimal

from pointsmart.extensions import db
from pointsmart.villages.models import Village
from tests.e2e.conftest import screenshot
from tests.factories import Factories

PASSWORD = "clerk-pass-2026"


def test_the_clerk_edits_the_settings_and_sees_the_audit_entry(live_app, live_server, phone):
    with live_app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        clerk = make.staff("admin", village, password=PASSWORD)
        db.session.commit()
        village_id = village.id

    phone.goto(f"{live_server}/login")
    phone.get_by_label("用户名").fill(clerk.username)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server}/admin")  # an admin's own pages, unasked
    phone.get_by_role("link", name="村设置").click()
    phone.wait_for_url(f"{live_server}/admin/villages/{village_id}")

    phone.get_by_label("每分折合金额（元）").fill("0.125")
    phone.get_by_role("button", name="保存设置").click()
    assert "最多两位小数" in phone.content()
    screenshot(phone, "admin-settings-refused")

    phone.get_by_label("每分折合金额（元）").fill("0.20")
    phone.get_by_label("红榜公示天数").fill("45")
    phone.get_by_label("公开页面隐去姓名").check()
    phone.get_by_role("button", name="保存设置").click()
    phone.wait_for_url(f"{live_server}/admin/villages/{village_id}")
    assert "村设置已保存" in phone.content()
    screenshot(phone, "admin-settings-saved")

    phone.get_by_role("link", name="操作记录").click()
    phone.wait_for_url(f"{live_server}/admin/villages/{village_id}/audit")
    entry = phone.locator("[data-action='village.update']").first
    text = entry.inner_text()
    assert "修改村设置" in text
    assert clerk.username in text
    assert "0.10" in text
    assert "0.20" in text
    assert "红榜公示天数" in text
    screenshot(phone, "admin-audit-log")

    phone.get_by_role("link", name="农户").click()
    phone.get_by_label("户号", exact=True).fill("XF-009")
    phone.get_by_label("户主", exact=True).fill("刘大妈")
    phone.get_by_role("button", name="添加农户").click()
    phone.wait_for_url(f"{live_server}/admin/households/*")
    assert "已添加 XF-009 户" in phone.content()
    phone.get_by_role("button", name="登记迁出").click()
    assert "已登记该户迁出" in phone.content()
    screenshot(phone, "admin-household")

    with live_app.app_context():
        saved = db.session.get(Village, village_id)
        assert saved.yuan_per_point == Decimal("0.20")
        assert saved.red_board_days == 45
        assert saved.mask_names
