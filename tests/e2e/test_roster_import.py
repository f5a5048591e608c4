"""The demo village's clerk imports the demo roster file in Chromium and sees the households."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from pointsmart.demo import VILLAGE_ADMIN, load_demo
from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.villages.models import Village
from tests.e2e.conftest import screenshot

DEMO_ROSTER = Path(__file__).resolve().parents[1] / "fixtures" / "demo-roster.csv"


def test_the_clerk_imports_the_demo_roster_and_sees_the_households(live_app, live_server, phone):
    with live_app.app_context():
        load_demo()
        db.session.commit()
        village_id = db.session.execute(sa.select(Village.id)).scalar_one()
        before = db.session.execute(sa.select(sa.func.count()).select_from(Household)).scalar_one()

    phone.goto(f"{live_server}/login")
    phone.get_by_label("用户名").fill(VILLAGE_ADMIN.username)
    phone.get_by_label("密码").fill(VILLAGE_ADMIN.password)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server}/admin")

    phone.goto(f"{live_server}/admin/villages/{village_id}/import")
    expect(phone.get_by_role("link", name="下载模板（Excel，.xlsx）")).to_be_visible()
    phone.get_by_label("名册文件（.xlsx 或 .csv）").set_input_files(str(DEMO_ROSTER))
    phone.get_by_role("button", name="检查文件").click()

    phone.get_by_test_id("ready").wait_for()
    assert "全部 5 行都正确" in phone.get_by_test_id("ready").inner_text()
    assert "陈德明" in phone.get_by_test_id("rows").inner_text()
    screenshot(phone, "roster-import-preview")
    phone.get_by_role("button", name="导入 5 户").click()

    phone.wait_for_url(f"{live_server}/admin/villages/{village_id}/import")
    assert "已导入 5 户" in phone.locator(".notice-success").inner_text()
    listing = phone.get_by_test_id("households").inner_text()
    for number, head in [("XF-101", "陈德明"), ("XF-105", "黄大海")]:
        assert number in listing
        assert head in listing
    assert f"本村共有 {before + 5} 户" in phone.content()
    screenshot(phone, "roster-import-done")

    with live_app.app_context():
        numbers = set(
            db.session.execute(
                sa.select(Household.number).where(Household.number.like("XF-1__"))
            ).scalars()
        )
    assert numbers == {"XF-101", "XF-102", "XF-103", "XF-104", "XF-105"}
