"""A villager signs in on a phone with the household's phone number and PIN, chooses a PIN of
their own, and sees the balance, the rank and the history in Chinese."""

import re

from playwright.sync_api import expect

from pointsmart.counter import pins
from pointsmart.extensions import db
from tests.e2e.conftest import screenshot
from tests.factories import ROOT, Factories


def test_a_villager_signs_in_on_a_phone_and_sees_balance_rank_and_history(
    live_app, live_server, phone
):
    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    with live_app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        grid = make.grid(village, name="第一网格")
        household = make.household(
            village, grid=grid, number="XF-007", head_name="李秀英", phone="13800138000"
        )
        make.household(village, grid=grid)
        make.award(household, 40, memo="打扫村道")
        make.award(household, 25, memo="帮扶孤寡老人")
        pins.set_pin(ROOT, household.id, "135790")
        db.session.commit()

    phone.goto(f"{live_server}/me/login")
    phone.get_by_label("手机号").fill("13800138000")
    phone.get_by_label("密码（6 位数字）").fill("135790")
    screenshot(phone, "villager-sign-in-phone")
    phone.get_by_role("button", name="登录").click()

    phone.wait_for_url(f"{live_server}/me/pin")
    phone.get_by_label("现在的密码").fill("135790")
    phone.get_by_label("新密码（6 位数字）").fill("246801")
    phone.get_by_label("再输一次新密码").fill("246801")
    phone.get_by_role("button", name="保存新密码").click()

    phone.wait_for_url(f"{live_server}/me")
    expect(phone.locator("#balance")).to_have_text("65", use_inner_text=True)
    expect(phone.locator("#village-rank")).to_have_text("第 1 名", use_inner_text=True)
    expect(phone.locator("#grid-rank")).to_have_text("第 1 名", use_inner_text=True)
    history = phone.locator("#history").inner_text()
    assert "打扫村道" in history
    assert "帮扶孤寡老人" in history
    expect(phone.locator("svg.chart rect")).to_have_count(12)
    expect(phone.locator("#lifetime-earned")).to_have_text("累计获得：65 分", use_inner_text=True)
    screenshot(phone, "villager-home-phone")

    phone.get_by_role("button", name="放大字体").click()
    expect(phone.get_by_role("button", name="放大字体")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("body")).to_have_class(re.compile(r"\blarger\b"))
    screenshot(phone, "villager-home-larger-text")

    phone.get_by_role("link", name="积分排行榜").first.click()
    phone.wait_for_url(f"{live_server}/board/{village.id}/leaderboard")
    first_row = phone.locator("#leaderboard tbody tr").first.inner_text()
    assert first_row.split() == ["1", "XF-007", "李秀英", "65"]
    screenshot(phone, "villager-leaderboard-phone")
    assert errors == []  # no CSP violation, no script error
