"""The counter in headless Chromium: a card read from the (fake) camera, and from a USB scanner.

The camera test starts a Chromium of its own whose fake camera plays a Y4M video made from the
card's QR code PNG (``--use-file-for-fake-video-capture``); the page's card-scanner.js decodes
it with the vendored jsQR and the sale completes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from pointsmart.counter import goods
from pointsmart.extensions import db
from pointsmart.households.card_images import qr_png
from pointsmart.households.cards import issue_card
from tests.e2e.conftest import CHROMIUM_ARGS, PHONE, screenshot
from tests.factories import ROOT, Factories
from tests.system_packages import chromium

PASSWORD = "shop-pass-2026"
FRAME = (640, 480)


@dataclass
class Shop:
    shop_id: int
    keeper: str
    card_url: str
    card_code: str


@pytest.fixture
def shop(live_app) -> Shop:
    with live_app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        shop = make.shop(village, name="幸福村积分超市")
        keeper = make.staff("shopkeeper", village, shop, password=PASSWORD)
        household = make.household(village, number="XF-001", head_name="王建国")
        make.award(household, 300)
        goods.create_product(ROOT, shop.id, name="香皂", points_price=20, stock=10)
        goods.create_product(ROOT, shop.id, name="大米 5kg", points_price=250, stock=2)
        card = issue_card(household.id)
        db.session.commit()
        return Shop(shop.id, keeper.username, card.url, card.code)


def sign_in(page, server: str, username: str) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/shops/\d+/counter$"))  # a shopkeeper lands at the counter


def pick_two_soaps_and_confirm(page, server: str) -> None:
    expect(page.get_by_test_id("household-number")).to_have_text("XF-001", use_inner_text=True)
    expect(page.get_by_test_id("balance")).to_have_text("300", use_inner_text=True)
    page.get_by_role("button", name="香皂 加一件").click()
    page.get_by_role("button", name="香皂 加一件").click()
    expect(page.locator("output[data-total]")).to_have_text("40", use_inner_text=True)
    expect(page.locator("output[data-after]")).to_have_text("260", use_inner_text=True)
    page.get_by_role("button", name="确认兑换").click()
    page.wait_for_url(f"{server}/redemptions/*/receipt")
    assert "兑换成功" in page.content()
    expect(page.get_by_test_id("balance-after")).to_have_text("260", use_inner_text=True)


def test_the_usb_scanner_types_the_card_url_and_the_sale_completes(live_server, phone, shop):
    sign_in(phone, live_server, shop.keeper)
    phone.goto(f"{live_server}/shops/{shop.shop_id}/counter")

    # A USB scanner is a keyboard: it types the URL from the QR code, then Enter.
    field = phone.get_by_label("积分卡")
    field.press_sequentially(shop.card_url, delay=1)
    field.press("Enter")

    phone.wait_for_url(re.compile(r".*/counter/(card|pick)$"))
    screenshot(phone, "counter-picked-usb")
    pick_two_soaps_and_confirm(phone, live_server)
    screenshot(phone, "counter-receipt")


def test_a_refusal_is_shown_in_large_chinese(live_server, phone, shop):
    sign_in(phone, live_server, shop.keeper)
    phone.goto(f"{live_server}/shops/{shop.shop_id}/counter")
    phone.get_by_label("积分卡").fill(shop.card_code)
    phone.get_by_label("积分卡").press("Enter")
    phone.wait_for_url(re.compile(r".*/counter/(card|pick)$"))

    phone.get_by_role("spinbutton", name="大米 5kg").fill("2")  # 500 points; the balance is 300
    expect(phone.locator("[data-over]")).to_be_visible()
    expect(phone.get_by_role("button", name="确认兑换")).to_be_disabled()
    phone.get_by_role("spinbutton", name="大米 5kg").fill("1")
    phone.get_by_role("button", name="确认兑换").click()
    phone.wait_for_url(f"{live_server}/redemptions/*/receipt")
    phone.get_by_label("下一位的积分卡").fill(shop.card_code)  # on the receipt
    phone.get_by_label("积分卡").press("Enter")
    phone.get_by_role("spinbutton", name="大米 5kg").fill(
        "1"
    )  # 250 more against 50 left: the form allows
    phone.locator("form[data-counter]").evaluate("form => form.submit()")  # bypass the button

    phone.wait_for_selector("[data-problem=insufficient_points]")
    assert "积分不足" in phone.content()
    screenshot(phone, "counter-refused")


def write_y4m(png: bytes, path: Path, frames: int = 20) -> None:
    """A grey-scale Y4M video (4:2:0) of the QR code centred on white."""
    code = Image.open(__import__("io").BytesIO(png)).convert("L")
    side = min(FRAME) - 80
    code = code.resize((side, side), Image.NEAREST)
    canvas = Image.new("L", FRAME, 255)
    canvas.paste(code, ((FRAME[0] - side) // 2, (FRAME[1] - side) // 2))
    luma = canvas.tobytes()
    chroma = bytes([128]) * (FRAME[0] // 2 * FRAME[1] // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + luma + chroma + chroma)


@pytest.fixture
def camera_phone(browser, shop, tmp_path):
    """A phone whose rear camera films the household's card."""
    video = tmp_path / "card.y4m"
    write_y4m(qr_png(shop.card_url, box_size=8), video)
    camera_browser = browser.browser_type.launch(
        executable_path=chromium(),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    context = camera_browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()
        camera_browser.close()


def test_the_counter_reads_the_card_with_the_phone_camera(live_server, camera_phone, shop):
    page = camera_phone
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server, shop.keeper)
    page.goto(f"{live_server}/shops/{shop.shop_id}/counter")
    screenshot(page, "counter-scan")

    assert not [url for url in requested if "jsQR" in url]  # loaded only for the camera
    page.get_by_role("button", name="用摄像头扫卡").click()

    page.wait_for_url(re.compile(r".*/counter/(card|pick)$"))
    screenshot(page, "counter-picked-camera")
    pick_two_soaps_and_confirm(page, live_server)
    decoder = re.compile(rf"{live_server}/static/vendor/jsqr/jsQR\.min\.[0-9a-f]{{12}}\.js")
    assert [url for url in requested if decoder.fullmatch(url)]
    assert all(url.startswith((live_server, "data:", "blob:")) for url in requested)


def test_the_card_page_reads_well_on_an_elderly_villagers_phone(live_server, phone, shop):
    phone.goto(shop.card_url.replace("https://jifen.example.test", live_server))

    balance = phone.get_by_test_id("balance")
    expect(balance).to_have_text("300", use_inner_text=True)
    size = balance.evaluate("node => parseFloat(getComputedStyle(node).fontSize)")
    assert size >= 60  # large digits
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "card-page-phone")
