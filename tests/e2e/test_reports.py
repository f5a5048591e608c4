"""The committee report in headless Chromium at phone size: it renders under the app's CSP
(no console errors), the charts show, and an export downloads as a file."""

from __future__ import annotations

import openpyxl

from pointsmart.extensions import db
from pointsmart.periods import current_period
from tests.e2e.conftest import screenshot
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
    phone.wait_for_url(f"{live_server}/")
    phone.goto(f"{live_server}/villages/{village_id}/reports")

    assert phone.get_by_role("heading", name="委员会报表").is_visible()
    assert phone.locator("svg.chart").count() == 2
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
