"""The installable app in headless Chromium: the manifest and the service worker, the counter
opening with no network after one visit, and the villager's last-known balance offline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pointsmart.counter import goods, pins
from pointsmart.extensions import db
from pointsmart.households.cards import issue_card
from tests.conftest import app_on_fresh_database
from tests.e2e.conftest import PHONE, screenshot, serving
from tests.e2e.test_counter import PASSWORD
from tests.factories import ROOT, Factories

VILLAGER_PHONE = "13800138000"
PIN = "135790"


@pytest.fixture
def shop_world(live_app) -> dict:
    return build_shop_world(live_app)


def build_shop_world(app) -> dict:
    with app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        shop = make.shop(village, name="幸福村积分超市")
        keeper = make.staff("shopkeeper", village, shop, password=PASSWORD)
        household = make.household(
            village, number="XF-001", head_name="王建国", phone=VILLAGER_PHONE
        )
        make.award(household, 300)
        goods.create_product(ROOT, shop.id, name="香皂", points_price=20, stock=10)
        card = issue_card(household.id)
        pins.set_pin(ROOT, household.id, PIN)
        household.pin_chosen_hash = household.pin_hash
        db.session.commit()
        return {"shop_id": shop.id, "keeper": keeper.username, "card_url": card.url}


@pytest.fixture
def context(browser):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


def wait_for_the_worker(page) -> None:
    """The worker is registered after load; it then keeps this page and its files, and says
    so (installable.js marks <html data-page-kept="true">)."""
    page.wait_for_function(
        "() => navigator.serviceWorker.ready.then(r => Boolean(r.active))", timeout=15_000
    )
    page.wait_for_selector("html[data-page-kept=true]", state="attached", timeout=15_000)


def test_the_counter_is_installable_and_opens_with_no_network_after_one_visit(
    live_server, context, shop_world
):
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(shop_world["keeper"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    counter = f"{live_server}/shops/{shop_world['shop_id']}/counter"
    page.wait_for_url(counter)

    manifest = page.locator("link[rel=manifest]").get_attribute("href")
    assert manifest == "/manifest/counter.webmanifest"
    wait_for_the_worker(page)
    assert page.evaluate("navigator.serviceWorker.controller !== null")  # clients.claim()

    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "幸福村积分超市 · 兑换台", use_inner_text=True
    )
    expect(page.locator("html")).to_have_attribute("data-page-source", "kept")
    # The stylesheet and the scripts came from the phone too: the page is styled.
    header = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header == "rgb(143, 29, 20)"
    screenshot(page, "counter-offline")

    other = context.new_page()  # a fresh tab, as when the app is opened from the home screen
    other.goto(counter)
    expect(other.get_by_label("积分卡")).to_be_visible()
    context.set_offline(False)


def test_signing_out_forgets_the_kept_pages(live_server, context, shop_world):
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(shop_world["keeper"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/counter$"))
    wait_for_the_worker(page)

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_server}/")

    # The worker deletes the kept pages when the sign-out leaves the phone; the deletion and
    # the page that follows race, so wait for it (briefly), then make sure nothing the worker
    # still had under way brought them back.
    forgotten = "() => caches.has('pointsmart-pages').then(kept => !kept)"
    page.wait_for_function(forgotten, timeout=5_000)
    page.wait_for_timeout(500)
    assert page.evaluate("caches.has('pointsmart-pages')") is False


@pytest.fixture
def development_server(tmp_path):
    """The app as in development (make run): Flask serves the static files unhashed."""
    with app_on_fresh_database(tmp_path, WTF_CSRF_ENABLED=True, STATIC_HASHED=False) as app:
        world = build_shop_world(app)
        with serving(app) as address:
            yield address, world


def test_in_development_the_counter_opens_with_no_network_too(context, development_server):
    server, world = development_server
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("用户名").fill(world["keeper"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/counter$"))
    expect(page.locator("link[rel=stylesheet]").first).to_have_attribute("href", "/static/site.css")
    wait_for_the_worker(page)

    context.set_offline(True)
    page.reload()

    expect(page.locator("html")).to_have_attribute("data-page-source", "kept")
    header = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header == "rgb(143, 29, 20)"
    context.set_offline(False)


def sign_in_villager(page, server: str) -> None:
    page.goto(f"{server}/me/login")
    page.get_by_label("手机号").fill(VILLAGER_PHONE)
    page.get_by_label("密码（6 位数字）").fill(PIN)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{server}/me")


def test_my_page_shows_the_last_known_balance_and_its_time_with_no_network(
    live_server, context, shop_world
):
    page = context.new_page()
    sign_in_villager(page, live_server)
    note = page.locator("[data-offline-note]")
    expect(page.locator("link[rel=manifest]")).to_have_attribute("href", "/manifest/me.webmanifest")
    expect(note).to_be_hidden()
    wait_for_the_worker(page)

    context.set_offline(True)
    page.reload()

    expect(page.locator("#balance")).to_have_text("300", use_inner_text=True)
    expect(note).to_be_visible()
    assert re.fullmatch(r"没有网络：这是 \d{4}-\d\d-\d\d \d\d:\d\d 时的积分。", note.inner_text())
    screenshot(page, "me-offline")
    context.set_offline(False)


def test_the_card_page_shows_the_last_known_balance_with_no_network(
    live_server, context, shop_world
):
    page = context.new_page()
    card_page = shop_world["card_url"].replace("https://jifen.example.test", live_server)
    page.goto(card_page)
    note = page.locator("[data-offline-note]")
    expect(note).to_be_hidden()
    wait_for_the_worker(page)

    context.set_offline(True)
    page.goto(card_page)

    expect(page.get_by_test_id("balance")).to_have_text("300", use_inner_text=True)
    expect(note).to_be_visible()
    assert "没有网络" in note.inner_text()
    screenshot(page, "card-page-offline")
    context.set_offline(False)
