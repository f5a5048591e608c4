"""The household's page on a 390 px phone: nothing wider than the screen, with larger text too;
read aloud with a voice of the page's language, and words on the page where the phone has none."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from pointsmart.counter import goods, pins, sales, voids
from pointsmart.extensions import db
from pointsmart.households.cards import issue_card
from tests.e2e.conftest import screenshot
from tests.factories import ROOT, Factories

PHONE = "13800138000"
PIN = "135790"

# The browser's speech, replaced by one whose voices the test chooses; what it is asked to say
# is kept in window.spoken. (Debian's headless Chromium has no voices at all.)
FAKE_SPEECH = """
window.spoken = [];
const voices = %s;
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
Object.defineProperty(window, "speechSynthesis", {
  configurable: true,
  value: {
    getVoices: () => voices,
    speak: (u) => window.spoken.push({text: u.text, lang: u.lang, voice: u.voice && u.voice.name}),
    cancel: () => {},
    addEventListener: () => {},
  },
});
"""
CHINESE_VOICE = {"name": "Ting-Ting", "lang": "zh-CN"}
ENGLISH_VOICE = {"name": "Samantha", "lang": "en-US"}


@pytest.fixture
def busy_village(live_app):
    """A household with five-digit month figures and a three-digit rank (110 households ahead),
    a sale of 毛巾 x1 and a void; it signs in with its own PIN."""
    with live_app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        grid = make.grid(village, name="一组")
        mine = make.household(village, grid=grid, number="XF-001", head_name="欧阳建国",
                              phone=PHONE)  # fmt: skip
        for n in range(110):
            make.award(make.household(village, grid=grid, number=f"XF-{n + 2:03d}"), 30_000)
        make.award(mine, 12_345, memo="门前三包")
        make.award(mine, 10_000, memo="志愿服务")
        shop = make.shop(village, name="村口小店")
        keeper = make.staff("shopkeeper", village, shop).principal
        towel = goods.create_product(ROOT, shop.id, name="毛巾", points_price=10, stock=9)
        card = issue_card(mine.id)
        for _ in range(2):
            sale = sales.redeem_items(
                keeper, shop_id=shop.id, card_token=card.token,
                items=[{"product_id": towel.id, "quantity": 1}],
            )  # fmt: skip
        voids.void_redemption(keeper, sale.id)
        pins.set_pin(ROOT, mine.id, PIN)
        mine.pin_chosen_hash = mine.pin_hash
        db.session.commit()


def signed_in_page(browser, server, *, width=390, voices=None):
    context = browser.new_context(
        viewport={"width": width, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="zh-CN",
    )  # fmt: skip
    if voices is not None:
        context.add_init_script(FAKE_SPEECH % json.dumps(voices))
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{server}/me/login")
    page.get_by_label("手机号").fill(PHONE)
    page.get_by_label("密码（6 位数字）").fill(PIN)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{server}/me")
    return context, page


def widest(page, width: int) -> tuple[int, list[str]]:
    """The page's scroll width and the elements reaching past the screen's right edge (a
    phone's layout viewport grows to the widest element, so the screen's width is given)."""
    return page.evaluate(
        """width => [document.documentElement.scrollWidth,
                     [...document.querySelectorAll('body *')]
                       .filter(e => e.getBoundingClientRect().right > width + 0.5)
                       .map(e => e.tagName + '#' + e.id + '.' + e.className)]""",
        width,
    )


@pytest.mark.parametrize("width", [390, 360])
def test_my_page_fits_the_phone_with_and_without_larger_text(
    browser, live_server, busy_village, width
):
    context, page = signed_in_page(browser, live_server, width=width)
    try:
        normal = widest(page, width)
        expect(page.locator("#village-rank")).to_have_text("第 111 名", use_inner_text=True)
        screenshot(page, f"villager-home-{width}")
        page.get_by_role("button", name="放大字体").click()
        larger = widest(page, width)
        screenshot(page, f"villager-home-{width}-larger-text")
    finally:
        context.close()

    assert normal == [width, []]
    assert larger == [width, []]


def test_read_aloud_speaks_sentences_with_a_chinese_voice_on_a_chinese_page(
    browser, live_server, busy_village
):
    context, page = signed_in_page(browser, live_server, voices=[ENGLISH_VOICE, CHINESE_VOICE])
    try:
        page.get_by_role("button", name="朗读").click()
        page.wait_for_function("() => window.spoken.length === 1")
        spoken = page.evaluate("window.spoken")[0]
        notice_hidden = page.locator("#read-aloud-notice").is_hidden()
    finally:
        context.close()

    assert (spoken["voice"], spoken["lang"]) == ("Ting-Ting", "zh-CN")
    assert spoken["text"].startswith("您家现在有 22335 分。")
    assert "撤销兑换：毛巾 1 件，加 10 分。" in spoken["text"]
    assert "兑换商品：毛巾 1 件，减 10 分。" in spoken["text"]
    for written in ("。。", "x1", "12-", "撤销兑换 "):
        assert written not in spoken["text"]
    assert notice_hidden


def test_read_aloud_speaks_english_with_an_english_voice(browser, live_server, busy_village):
    context, page = signed_in_page(browser, live_server, voices=[CHINESE_VOICE, ENGLISH_VOICE])
    try:
        page.goto(f"{live_server}/me?lang=en")
        page.get_by_role("button", name="Read aloud").click()
        page.wait_for_function("() => window.spoken.length === 1")
        spoken = page.evaluate("window.spoken")[0]
    finally:
        context.close()

    assert (spoken["voice"], spoken["lang"]) == ("Samantha", "en-US")
    assert spoken["text"].startswith("Your household has 22335 points.")


@pytest.mark.parametrize("voices", [[ENGLISH_VOICE], None], ids=["english-only", "no-voice"])
def test_a_phone_without_a_chinese_voice_says_so_instead_of_staying_silent(
    browser, live_server, busy_village, voices
):
    context, page = signed_in_page(browser, live_server, voices=voices)
    try:
        page.get_by_role("button", name="朗读").click()
        notice = page.get_by_role("status").filter(has_text="没有中文朗读声音")
        notice.wait_for()
        spoken = page.evaluate("window.spoken || []")
        screenshot(page, "villager-read-aloud-no-voice")
    finally:
        context.close()

    assert spoken == []  # never a Chinese page in an English voice
