"""The villager and public pages in headless Chromium at phone size: an axe-core audit (no
serious or critical violations), their weight (under 150 KB with every subresource, nothing
from another host), the TV page rotating its panels, and screenshots for people to look at.

axe-core comes from npm (package.json) and only its minified build is vendored into
tests/e2e/vendor/, so a test run needs no npm.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from pointsmart.board import entries as board
from pointsmart.counter import pins
from pointsmart.counter.models import Product
from pointsmart.extensions import db
from pointsmart.rules import catalogue as rule_service
from tests.e2e.conftest import PHONE, screenshot
from tests.factories import ROOT, Factories

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
MAX_BYTES = 150 * 1024
PHONE_CONTEXT = {
    "viewport": PHONE,
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


@pytest.fixture
def village_id(live_app) -> int:
    """A village with grids, households with points, red and black entries and goods; the
    household 13800138000 has PIN 135790 of its own choosing."""
    with live_app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        east, west = make.grid(village, name="东网格"), make.grid(village, name="西网格")
        mine = make.household(
            village, grid=east, number="XF-001", head_name="李秀英", phone="13800138000"
        )
        others = [
            make.household(village, grid=grid, number=f"XF-{n:03d}", head_name=name)
            for n, (grid, name) in enumerate(
                [(east, "王建国"), (west, "张小明"), (west, "欧阳明"), (east, "赵")], start=2
            )
        ]
        for household, points in zip([mine, *others], [65, 40, 40, 10, 0], strict=True):
            if points:
                make.award(household, points, memo="打扫村道")
        start = dt.date(2020, 1, 1)
        rules = {
            code: rule_service.create_rule(
                ROOT, village.id, code=code, name=name, category=kind, points=points,
                unit="each", monthly_cap=None, valid_from=start,
            )
            for code, name, kind, points in [
                ("xlaq", "孝老爱亲", "red", 30), ("ldlf", "乱堆乱放", "black", -10),
            ]
        }  # fmt: skip
        board.create_entry(ROOT, household_id=others[0].id, rule_id=rules["xlaq"].id, reason="好")
        board.create_entry(ROOT, household_id=others[2].id, rule_id=rules["ldlf"].id, reason="乱")
        shop = make.shop(village, name="村口小店")
        db.session.add_all(
            [
                Product(shop_id=shop.id, name="大米5斤", points_price=50, stock=3),
                Product(shop_id=shop.id, name="洗衣液", points_price=30, stock=8),
            ]
        )
        pins.set_pin(ROOT, mine.id, "135790")
        mine.pin_chosen_hash = mine.pin_hash
        village.mask_names = True
        db.session.commit()
        return village.id


def public_paths(village_id: int) -> dict[str, str]:
    return {
        "home": "/",
        "login": "/me/login",
        "board": f"/board/{village_id}",
        "leaderboard": f"/board/{village_id}/leaderboard",
        "tv": f"/tv/{village_id}",
    }


def signed_in_paths(village_id: int) -> dict[str, str]:
    return {"me": "/me", "pin": "/me/pin", "board_signed_in": f"/board/{village_id}"}


def audit(context, server: str, paths: dict[str, str]) -> dict[str, dict]:
    """Visit each page fresh (routing turns the HTTP cache off) and record every request's
    host and size, then run axe-core on it."""
    report = {}
    page = context.new_page()
    page.set_default_timeout(15_000)
    requests = []
    page.on("requestfinished", lambda request: requests.append(request))
    page.on("requestfailed", lambda request: requests.append(request))
    context.route("**/*", lambda route: route.continue_())
    for name, path in paths.items():
        requests.clear()
        page.goto(server + path, wait_until="networkidle")
        sizes = [r.sizes() for r in requests]
        hosts = {urlsplit(r.url).netloc for r in requests if not r.url.startswith("data:")}
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        report[name] = {
            "bytes": sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes),
            "requests": len(requests),
            "rules_passed": len(result["passes"]),
            "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
            "hosts": hosts,
            "violations": [
                (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ],
        }
        screenshot(page, f"audit-{name}")
    page.close()
    return report


def sign_in(context, server: str) -> None:
    page = context.new_page()
    page.goto(f"{server}/me/login")
    page.get_by_label("手机号").fill("13800138000")
    page.get_by_label("密码（6 位数字）").fill("135790")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{server}/me")
    page.close()


def test_villager_and_public_pages_pass_axe_and_stay_small_and_local(
    browser, live_server, village_id
):
    context = browser.new_context(bypass_csp=True, **PHONE_CONTEXT)  # to inject axe
    try:
        report = audit(context, live_server, public_paths(village_id))
        sign_in(context, live_server)
        report.update(audit(context, live_server, signed_in_paths(village_id)))
    finally:
        context.close()
    ours = urlsplit(live_server).netloc

    assert set(report) == {
        "home", "login", "board", "leaderboard", "tv", "me", "pin", "board_signed_in"
    }  # fmt: skip
    for name, seen in report.items():
        assert seen["violations"] == [], name
        assert seen["hosts"] == {ours}, name
        assert 0 < seen["bytes"] < MAX_BYTES, (name, seen["bytes"])
        assert seen["requests"] >= 2, name  # the page and at least its stylesheet
        assert seen["rules_passed"] >= 10, name  # axe really ran
        assert seen["scroll_width"] <= PHONE["width"], name  # no sideways scrolling


def test_the_tv_page_rotates_its_panels_and_shows_them_all_without_javascript(
    browser, live_app, live_server, village_id
):
    live_app.config["TV_REFRESH_SECONDS"] = 1
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/tv/{village_id}?seconds=1")
    screen = page.locator("#tv")
    first = screen.get_attribute("data-current-panel")
    visible_first = page.locator(".tv-panel:visible").count()
    screenshot(page, "tv-first-panel")
    page.wait_for_function(
        "first => document.getElementById('tv').dataset.currentPanel !== first",
        arg=first,
        timeout=5_000,
    )
    second = screen.get_attribute("data-current-panel")
    screenshot(page, "tv-second-panel")
    masked = page.locator("#panel-top").inner_text()
    with live_app.app_context():
        shop_id = db.session.execute(sa.select(Product.shop_id)).scalars().first()
        db.session.add(Product(shop_id=shop_id, name="新到的酱油", points_price=20, stock=5))
        db.session.commit()
    page.wait_for_function(
        "() => document.getElementById('tv').textContent.includes('新到的酱油')", timeout=5_000
    )
    still_one_panel = page.locator(".tv-panel:visible").count()
    context.close()

    no_script = browser.new_context(
        viewport={"width": 1280, "height": 720}, locale="zh-CN", java_script_enabled=False
    )
    static = no_script.new_page()
    static.goto(f"{live_server}/tv/{village_id}")
    all_visible = static.locator(".tv-panel:visible").count()
    screenshot(static, "tv-without-javascript")
    no_script.close()

    assert first == "panel-top"
    assert visible_first == 1
    assert second == "panel-red"
    assert "李*英" in masked
    assert "李秀英" not in masked
    assert all_visible == 4
    assert still_one_panel == 1  # the refreshed figures keep rotating
    assert errors == []  # no CSP violation, no script error


@pytest.fixture
def full_board(live_app) -> int:
    """A village whose TV has everything at once: 12 households on the leaderboard, 23 red and
    12 black entries with long rule names, and 8 new goods with long names."""
    with live_app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        households = [
            make.household(village, number=f"XF-{n:03d}", head_name="欧阳" + "建国" * (n % 3 + 1))
            for n in range(1, 13)
        ]
        for n, household in enumerate(households):
            make.award(household, 100 - n)
        start = dt.date(2020, 1, 1)
        red, black = (
            rule_service.create_rule(
                ROOT, village.id, code=code, name=name, category=kind, points=points,
                unit="each", monthly_cap=None, valid_from=start,
            )
            for code, name, kind, points in [
                ("red", "孝老爱亲、邻里互助、主动清理河道垃圾并劝导他人", "red", 5),
                ("black", "乱堆乱放柴草杂物占用公共道路且经多次劝导不改", "black", -5),
            ]
        )  # fmt: skip
        for rule, count in ((red, 23), (black, 12)):
            for n in range(count):
                household_id = households[n % 12].id
                board.create_entry(ROOT, household_id=household_id, rule_id=rule.id, reason="是")
        shop = make.shop(village, name="村口小店")
        db.session.add_all(
            Product(shop_id=shop.id, name=f"{n}号 特级东北五常大米 十斤装", points_price=5, stock=3)
            for n in range(8)
        )
        db.session.commit()
        return village.id


@pytest.mark.parametrize("screen", [(1920, 1080), (1280, 720)], ids=["1080p", "720p"])
def test_every_tv_panel_fits_the_screen_and_long_lists_take_turns(
    browser, live_server, full_board, screen
):
    width, height = screen
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/tv/{full_board}?seconds=1")
    panels = page.evaluate("[...document.querySelectorAll('.tv-panel')].map(p => p.id)")
    seen = {}
    for panel in panels:
        page.wait_for_function(
            "id => document.getElementById('tv').dataset.currentPanel === id", arg=panel
        )
        seen[panel] = page.evaluate(
            """() => {
                const shown = document.querySelector('.tv-panel:not([hidden])');
                const rows = [...shown.querySelectorAll('tbody tr, li')];
                return {
                    bottom: Math.max(...[...shown.querySelectorAll('*')]
                        .map(e => e.getBoundingClientRect().bottom)),
                    scroll: [document.documentElement.scrollWidth,
                             document.documentElement.scrollHeight],
                    rows: rows.length,
                    title: shown.querySelector('h2').textContent.trim(),
                };
            }"""
        )
        if width == 1920:
            screenshot(page, f"tv-1080p-{panel}")
    context.close()

    assert panels == [
        "panel-top", "panel-red", "panel-red-2", "panel-red-3", "panel-black", "panel-black-2",
        "panel-goods",
    ]  # fmt: skip
    for panel, figures in seen.items():
        assert figures["bottom"] <= height, (panel, figures)  # nothing below the screen
        assert figures["scroll"] == [width, height], (panel, figures)
    assert [seen[p]["rows"] for p in panels] == [10, 10, 10, 3, 10, 2, 8]
    assert seen["panel-red-3"]["title"] == "红榜 （第 3/3 页）"


TARGETS = """() => [...document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, summary')]
    .filter(e => e.offsetParent !== null)
    .map(e => [e.tagName, (e.textContent || e.name || '').trim().slice(0, 20),
               e.getBoundingClientRect().width, e.getBoundingClientRect().height])
    .filter(([, , width, height]) => width < 44 || height < 44)"""


def test_every_target_on_the_villager_and_public_pages_is_44_px_and_up(
    browser, live_server, village_id
):
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    small = {}
    try:
        for name, path in public_paths(village_id).items():
            page.goto(live_server + path)
            small[name] = page.evaluate(TARGETS)
        sign_in(context, live_server)
        for name, path in signed_in_paths(village_id).items():
            page.goto(live_server + path)
            small[name] = page.evaluate(TARGETS)
    finally:
        context.close()

    assert small == {name: [] for name in small}  # "我的积分" on the board was 95x28


def test_the_sign_in_button_keeps_its_words_in_the_middle(browser, live_server):
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    page.goto(f"{live_server}/me/login")
    button, words = page.evaluate(
        """() => {
            const button = document.querySelector('form button[type=submit]');
            const range = document.createRange();
            range.selectNodeContents(button);
            const b = button.getBoundingClientRect(), w = range.getBoundingClientRect();
            return [[b.left, b.right], [w.left, w.right]];
        }"""
    )
    context.close()

    assert button[1] - button[0] > 300  # the full width of the phone
    assert abs((button[0] + button[1]) / 2 - (words[0] + words[1]) / 2) < 2
