"""The committee report in headless Chromium at phone size: it renders under the app's CSP
(no console errors), the charts show, and an export downloads as a file."""

from __future__ import annotations

import openpyxl
from playwright.sync_api import expect

from pointsmart.extensions import db
from pointsmart.periods import current_period
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.test_public_pages import AXE, PHONE_CONTEXT
from tests.factories import Factories

PASSWORD = "admin-pass-2026"


def test_the_admin_reads_the_committee_report_on_a_phone(live_app, live_server, phone, tmp_path):
    with live_app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        admin = make.staff("admin", village, password=PASSWORD)
        for n in range(1, 6):
            make.award(make.household(village, number=f"XF-{n:03d}", head_name="王建国"), 10 * n)
        village_id, username = village.id, admin.username
        db.session.commit()
    errors: list[str] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    phone.goto(f"{live_server}/login")
    phone.get_by_label("用户名").fill(username)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server}/admin")
    phone.goto(f"{live_server}/villages/{village_id}/reports")

    expect(phone.get_by_role("heading", name="委员会报表")).to_be_visible()
    expect(phone.locator("svg.chart")).to_have_count(2)
    assert phone.locator("svg.chart").first.bounding_box()["width"] > 300
    summary = phone.get_by_test_id("summary")
    assert "150" in summary.get_by_role("row", name="发放").inner_text()
    screenshot(phone, "reports-committee-phone")

    phone.goto(f"{live_server}/villages/{village_id}/exports")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="下载 Excel 表格（xlsx）").click()
    path = tmp_path / "households.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("户号", "户主")
    assert len(rows) == 6
    streamed = phone.request.get(f"{live_server}/villages/{village_id}/exports/transfers.csv")
    assert streamed.ok
    assert streamed.body().startswith("\ufeff链序号,".encode())
    assert len(streamed.text().strip().splitlines()) == 6  # the header and five awards
    screenshot(phone, "reports-exports-phone")
    assert errors == []
    assert current_period("Asia/Shanghai") in phone.content()


def test_wide_report_tables_scroll_inside_their_box_on_a_phone_and_say_so(
    browser, live_app, live_server
):
    with live_app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        admin = make.staff("admin", village, password=PASSWORD)
        leader = make.staff("leader", village)
        for n in range(1, 6):
            household = make.household(village, number=f"XF-{n:03d}", head_name="欧阳建国")
            make.award(household, 10 * n, posted_by_id=leader.user_id, category="volunteer")
        village_id, username = village.id, admin.username
        db.session.commit()
    context = browser.new_context(bypass_csp=True, **PHONE_CONTEXT)  # to inject axe
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/admin")
    page.goto(f"{live_server}/villages/{village_id}/reports")
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.table-scroll')].map(box => {
            box.scrollLeft = box.scrollWidth;  // as far right as it goes
            const cells = [...box.querySelectorAll('tr:first-child > *')];
            const hint = box.previousElementSibling;
            return {
                wide: box.scrollWidth > box.clientWidth,
                region: box.getAttribute('role') === 'region' && box.tabIndex === 0,
                named: !!document.getElementById(box.getAttribute('aria-labelledby')),
                hint: !!hint && hint.classList.contains('scroll-hint')
                    && getComputedStyle(hint).display !== 'none',
                last_right: cells[cells.length - 1].getBoundingClientRect().right,
            };
        })"""
    )
    page_width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "reports-committee-phone-scrolled")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
            .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id))"""
    )
    context.close()

    assert page_width == PHONE["width"]  # the page itself never scrolls sideways
    assert len(boxes) == 4
    summary, *wide = boxes
    assert summary["wide"] is False  # it was 386 px in a 350 px box, its yuan cut off
    assert all(box["wide"] for box in wide)
    for box in boxes:
        assert box["region"]
        assert box["named"]
        assert box["last_right"] <= PHONE["width"]  # scrolled, the last column shows whole
    assert [box["hint"] for box in wide] == [True, True, True]
    assert violations == []
