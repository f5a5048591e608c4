"""The county and township pages in headless Chromium on a 390x844 phone: a county admin
creates a township, a village and its admin, and reads the dashboard; the pages pass the
axe-core audit, stay on our own host and under 150 KB; a township admin follows a flag on
the dashboard to the village's evidence."""

from __future__ import annotations

from playwright.sync_api import expect

from pointsmart.extensions import db
from pointsmart.regions import service as regions
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.test_public_pages import MAX_BYTES, PHONE_CONTEXT, audit
from tests.factories import ROOT, Factories

PASSWORD = "county-pass-2026"


def sign_in(page, server: str, username: str, password: str, lands: str = "/regions") -> None:
    """Sign in and wait for the page a sign-in leads to unasked: township and county staff to
    their own pages, a village's admin to ``/admin``."""
    page.goto(f"{server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{server}{lands}")


def test_a_county_admin_builds_a_township_a_village_and_its_admin_on_a_phone(
    browser, live_app, live_server
):
    with live_app.app_context():
        make = Factories()
        county = regions.create_region(ROOT, name="安平县", level="county", parent_id=None)
        old = regions.create_region(ROOT, name="城关镇", level="township", parent_id=county.id)
        village = make.village(name="幸福村", region_id=old.id)
        for n in range(1, 4):
            make.award(make.household(village, number=f"XF-{n:03d}"), 10 * n)
        admin = make.staff("county_admin", region=county, password=PASSWORD)
        county_id, username = county.id, admin.username
        db.session.commit()
    context = browser.new_context(bypass_csp=False, **PHONE_CONTEXT)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, username, PASSWORD)

    page.get_by_role("link", name="安平县").click()
    page.get_by_label("乡镇（街道）名称").fill("河西乡")
    page.get_by_role("button", name="添加乡镇").click()
    expect(page.get_by_text("已添加乡镇 河西乡。")).to_be_visible()
    page.get_by_label("村名").fill("河西村")
    page.get_by_label("乡镇（街道）", exact=True).select_option(label="河西乡")
    page.get_by_role("button", name="添加村").click()
    expect(page.get_by_text("已添加村 河西村。")).to_be_visible()
    page.locator("#admin-village").select_option(label="河西村")
    page.get_by_label("用户名").fill("hexi-admin")
    page.get_by_label("显示的名字").fill("李主任")
    page.get_by_label("密码").fill("hexi-admin-2026")
    page.get_by_role("button", name="创建管理员").click()
    expect(page.get_by_text("用户 hexi-admin 已成为河西村的管理员。")).to_be_visible()
    button = page.get_by_role("button", name="创建管理员").bounding_box()
    assert button["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    screenshot(page, "regions-county-phone")

    page.get_by_role("link", name="工作看板").click()
    expect(page.get_by_role("heading", name="工作看板")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(1)
    villages = page.get_by_test_id("villages")
    assert "幸福村" in villages.inner_text()
    assert "河西村" in villages.inner_text()
    screenshot(page, "regions-dashboard-phone")
    context.close()
    assert errors == []

    checked = browser.new_context(bypass_csp=True, **PHONE_CONTEXT)
    sign_in(checked.new_page(), live_server, username, PASSWORD)
    report = audit(
        checked,
        live_server,
        {
            "regions": "/regions",
            "county": f"/regions/{county_id}",
            "dashboard": f"/regions/{county_id}/dashboard",
        },
    )
    checked.close()
    for name, page_report in report.items():
        assert page_report["violations"] == [], (name, page_report["violations"])
        assert page_report["bytes"] < MAX_BYTES, (name, page_report["bytes"])
        assert page_report["hosts"] == {live_server.split("//")[1]}, name
        assert page_report["scroll_width"] == PHONE["width"], name


def test_a_township_admin_follows_a_flag_to_the_village_s_evidence(browser, live_app, live_server):
    with live_app.app_context():
        make = Factories()
        county = regions.create_region(ROOT, name="安平县", level="county", parent_id=None)
        township = regions.create_region(ROOT, name="城关镇", level="township", parent_id=county.id)
        village = make.village(name="幸福村", region_id=township.id)
        # Three households take almost every point: the top three's share is far above 50%.
        for n, points in enumerate((90, 80, 70, 2, 1), start=1):
            make.award(make.household(village, number=f"XF-{n:03d}", head_name=f"户主{n}"), points)
        admin = make.staff("township_admin", region=township, password=PASSWORD)
        township_id, username = township.id, admin.username
        db.session.commit()
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, username, PASSWORD)
    page.goto(f"{live_server}/regions/{township_id}/dashboard")

    flag = page.get_by_role("link", name="前三户得到了本期积分的")
    expect(flag).to_have_count(1)
    flag.click()
    page.wait_for_load_state()
    assert "/board/" in page.url
    assert "leaderboard" in page.url
    expect(page.get_by_text("户主1").first).to_be_visible()
    screenshot(page, "regions-flag-evidence-phone")
    context.close()
