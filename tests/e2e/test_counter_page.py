"""The counter's page on a 390 x 844 phone (issue 14, item 4): the total and the confirm button
always in view, the focus in the card field, goods the household cannot afford marked,
sold-out goods inert, the shopkeeper landing at the counter, a readable header, and Back
after a lost connection."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pointsmart.counter import goods
from pointsmart.extensions import db
from pointsmart.households.cards import issue_card
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.test_counter import PASSWORD
from tests.factories import ROOT, Factories

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Twenty goods: a list far longer than the screen.
GOODS = [(f"商品{n:02d}", 10 + n, 20) for n in range(1, 19)]
GOODS += [("电饭锅", 500, 3), ("食用油", 30, 0)]


@pytest.fixture
def counter(live_app) -> dict:
    with live_app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        shop = make.shop(village, name="幸福村积分超市")
        keeper = make.staff("shopkeeper", village, shop, password=PASSWORD)
        household = make.household(village, number="XF-001", head_name="王建国")
        make.award(household, 300)
        for name, price, stock in GOODS:
            goods.create_product(ROOT, shop.id, name=name, points_price=price, stock=stock)
        card = issue_card(household.id)
        db.session.commit()
        return {"shop_id": shop.id, "keeper": keeper.username, "card": card.code}


@pytest.fixture
def page(browser, live_server, counter):
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        bypass_csp=True,  # to inject axe-core
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(counter["keeper"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    yield page
    context.close()


def scan(page, code: str) -> None:
    page.get_by_label("积分卡").fill(code)
    page.get_by_label("积分卡").press("Enter")
    page.wait_for_url(re.compile(r".*/counter/(card|pick)$"))


def in_view(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def test_the_shopkeeper_lands_at_the_counter_with_the_focus_in_the_card_field(
    page, live_server, counter
):
    page.wait_for_url(f"{live_server}/shops/{counter['shop_id']}/counter")

    assert page.evaluate("document.activeElement.id") == "card"


def test_after_a_refused_scan_the_focus_is_back_in_the_card_field(page, counter):
    page.wait_for_url("**/counter")
    page.get_by_label("积分卡").fill("NO-SUCH-CARD")
    page.get_by_label("积分卡").press("Enter")

    page.wait_for_selector("[data-problem]")
    assert page.evaluate("document.activeElement.id") == "card"


def test_the_total_and_the_confirm_button_stay_in_view_while_the_goods_scroll(page, counter):
    page.wait_for_url("**/counter")
    scan(page, counter["card"])
    confirm = page.get_by_role("button", name="确认兑换")
    total = page.locator("output[data-total]")

    assert page.evaluate("document.documentElement.scrollHeight") > 2 * PHONE["height"]
    assert in_view(confirm)
    assert in_view(total)
    page.get_by_role("button", name="商品18 加一件").click()  # scrolls far down the list
    expect(total).to_have_text("28", use_inner_text=True)
    assert in_view(confirm)
    assert in_view(total)
    expect(confirm).to_be_enabled()
    screenshot(page, "counter-pick-scrolled")
    page.mouse.wheel(0, 10_000)
    assert in_view(confirm)
    assert in_view(total)


def test_goods_the_household_cannot_afford_are_marked_and_cannot_be_added(page, counter):
    page.wait_for_url("**/counter")
    scan(page, counter["card"])
    cooker = page.locator(".goods-row", has_text="电饭锅")
    oil = page.locator(".goods-row", has_text="商品18")  # 28 points

    assert "unaffordable" in cooker.get_attribute("class")
    expect(cooker.get_by_text("积分不够")).to_be_visible()
    expect(page.get_by_role("button", name="电饭锅 加一件")).to_be_disabled()
    assert "unaffordable" not in oil.get_attribute("class")

    # 280 of 300 picked: 20 points left, so the 28-point goods can no longer be added.
    page.get_by_role("spinbutton", name="商品10").fill("14")  # 14 x 20 = 280
    page.get_by_role("spinbutton", name="商品10").dispatch_event("input")
    assert "unaffordable" in oil.get_attribute("class")
    expect(page.get_by_role("button", name="商品18 加一件")).to_be_disabled()
    expect(page.get_by_role("button", name="商品01 加一件")).to_be_enabled()  # 11 points
    screenshot(page, "counter-pick-unaffordable")


def test_sold_out_goods_show_no_buttons_and_no_field(page, counter):
    page.wait_for_url("**/counter")
    scan(page, counter["card"])
    oil = page.locator(".goods-row", has_text="食用油")

    expect(oil.get_by_text("已售完")).to_be_visible()
    expect(oil.locator("button, input")).to_have_count(0)


def test_the_signed_in_name_is_readable_and_the_pages_pass_axe(page, counter):
    page.wait_for_url("**/counter")
    name = page.locator(".account-name")
    assert name.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    for step in ("scan", "pick"):
        if step == "pick":
            scan(page, counter["card"])
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        serious = [
            (v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], step


def test_back_after_a_lost_connection_leaves_the_sale_ready_to_confirm(page, counter):
    # The connection drops while the sale is sent, and the phone still believes it is online
    # (so the offline counter does not step in): the browser shows its own error page.
    page.context.add_init_script("Object.defineProperty(navigator, 'onLine', {get: () => true})")
    page.wait_for_url("**/counter")
    scan(page, counter["card"])
    page.get_by_role("button", name="商品01 加一件").click()
    page.get_by_role("button", name="商品01 加一件").click()
    confirm = page.get_by_role("button", name="确认兑换")

    page.context.set_offline(True)
    confirm.click()
    page.wait_for_function("() => !document.querySelector('form[data-counter]')")
    page.context.set_offline(False)
    page.go_back()

    page.wait_for_selector("form[data-counter]")
    expect(page.locator("output[data-total]")).to_have_text("22", use_inner_text=True)
    expect(confirm).to_be_enabled()
    confirm.click()
    page.wait_for_url("**/receipt")
    expect(page.get_by_test_id("total")).to_have_text("22", use_inner_text=True)
    assert page.evaluate("document.activeElement.id") == "card"  # the next card's field
