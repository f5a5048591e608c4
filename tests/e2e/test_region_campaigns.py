"""A township admin sets up the township's campaign (评选) on a phone, in headless Chromium:
the region's campaigns page and the campaign page pass the axe-core audit and fit the
phone's width."""

from __future__ import annotations

from playwright.sync_api import expect

from pointsmart.extensions import db
from pointsmart.regions import service as regions
from tests.e2e.test_campaigns import check_page, phone_context
from tests.e2e.test_regions import PASSWORD, sign_in
from tests.factories import ROOT, Factories


def test_a_township_admin_sets_up_a_campaign_for_its_villages_on_a_phone(
    browser, live_app, live_server
):
    with live_app.app_context():
        make = Factories()
        county = regions.create_region(ROOT, name="安平县", level="county", parent_id=None)
        township = regions.create_region(ROOT, name="城关镇", level="township", parent_id=county.id)
        for name in ("幸福村", "东风村"):
            village = make.village(name=name, region_id=township.id)
            make.staff("leader", village)
        admin = make.staff("township_admin", region=township, password=PASSWORD)
        township_id, username = township.id, admin.username
        db.session.commit()
    context = phone_context(browser)
    phone = context.new_page()
    phone.set_default_timeout(20_000)
    try:
        sign_in(phone, live_server, username, PASSWORD)
        phone.goto(f"{live_server}/regions/{township_id}")
        phone.get_by_role("link", name="评选").first.click()
        check_page(phone, "township-setup")

        phone.get_by_label("评选名称").fill("十星级文明户")
        phone.get_by_label("公示天数").fill("3")
        phone.get_by_role("checkbox").first.check()
        phone.get_by_label("每位候选户至少几人投票").fill("1")
        phone.get_by_role("button", name="发起评选").click()

        expect(phone.get_by_role("heading", name="十星级文明户")).to_be_visible()
        check_page(phone, "township-campaign")
    finally:
        context.close()
