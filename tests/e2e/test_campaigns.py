"""Campaigns (评选) on a phone, in headless Chromium: a grid worker nominates a household, a
council member votes, a villager nominates and gives beans from /me; every page passes the
axe-core audit (no serious or critical violation) and fits the phone's width."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pointsmart.campaigns import service
from pointsmart.counter import pins
from pointsmart.extensions import db
from pointsmart.periods import local_today
from pointsmart.rules import catalogue as rules
from tests.e2e.conftest import PHONE, screenshot
from tests.factories import ROOT, Factories

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture
def world(live_app) -> dict:
    """幸福村 with five households (XF-001 signs in on /me), the 好家庭 rule, a grid worker
    outside the council and a council of two leaders; a one-day campaign open now."""
    with live_app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        households = [
            make.household(village, number=f"XF-00{n}", head_name=name, phone=phone)
            for n, (name, phone) in enumerate(
                [("李秀英", "13800138000"), ("王建国", None), ("张桂兰", None)], start=1
            )
        ]
        pins.set_pin(ROOT, households[0].id, "135790")
        households[0].pin_chosen_hash = households[0].pin_hash
        rule = rules.create_rule(
            ROOT, village.id, code="hjt", name="好家庭", category="red", points=100,
            valid_from=dt.date(2020, 1, 1),
        )  # fmt: skip
        worker = make.staff("leader", village, password="grid-pass-1")
        committee = make.staff("admin", village, password="admin-pass-1")
        council = [make.staff("leader", village, password=f"council-pass-{n}") for n in (1, 2)]
        today = local_today(village.timezone)
        campaign = service.create_campaign(
            ROOT, village.id, title="好家庭", rule_id=rule.id, seats=1, nominate_from=today,
            nominate_until=today, review_until=today, notice_days=7, quorum=2,
            council=[member.user_id for member in council], villagers_nominate=True,
            bean_votes=3,
        )  # fmt: skip
        db.session.commit()
        return {
            "village_id": village.id,
            "campaign_id": campaign.id,
            "worker": worker.username,
            "admin": committee.username,
            "council": [member.username for member in council],
        }


def phone_context(browser):
    """A phone-sized context in Chinese that lets the test inject axe-core (CSP bypassed)."""
    return browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN",
        bypass_csp=True,
    )  # fmt: skip


@pytest.fixture
def audited_phone(browser):
    """A page of a fresh phone context (each person in a test gets a phone of their own)."""
    context = phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def check_page(page, name: str) -> None:
    """No serious or critical axe violation, no sideways scrolling; a screenshot to look at."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    violations = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert violations == [], name
    assert len(result["passes"]) >= 10, name  # axe really ran
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    screenshot(page, f"campaign-{name}")


def staff_sign_in(page, server: str, username: str, password: str) -> None:
    page.goto(f"{server}/leader")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/leader/\d+$"))


def test_a_grid_worker_nominates_and_the_council_votes_on_a_phone(
    live_server, audited_phone, world, browser
):
    phone = audited_phone
    problems = []
    phone.on("pageerror", lambda error: problems.append(str(error)))
    staff_sign_in(phone, live_server, world["worker"], "grid-pass-1")
    phone.get_by_role("link", name=re.compile("评选")).first.click()
    expect(phone.get_by_role("heading", name="评选", exact=True)).to_be_visible()
    phone.get_by_role("link", name="好家庭").click()
    check_page(phone, "leader-before-nominating")

    phone.get_by_label("户号").fill("XF-002")
    phone.get_by_label("提名理由").fill("照顾瘫痪婆婆十年，邻里和睦")
    phone.get_by_role("button", name="提名", exact=True).click()

    expect(phone.get_by_text("提名成功。")).to_be_visible()
    expect(phone.locator(".nominees")).to_contain_text("XF-002 王建国")
    expect(phone.locator(".vote-form")).to_have_count(0)  # not on the council
    check_page(phone, "leader-nominated")

    for number, username in enumerate(world["council"], start=1):
        phone = phone_context(browser).new_page()  # each member on a phone of their own
        phone.set_default_timeout(20_000)
        phone.on("pageerror", lambda error: problems.append(str(error)))
        staff_sign_in(phone, live_server, username, f"council-pass-{number}")
        phone.goto(f"{live_server}/leader/campaigns/{world['campaign_id']}")
        if number == 1:
            check_page(phone, "council-before-voting")
        phone.get_by_label("备注（可不填）").fill("属实")
        phone.get_by_role("button", name="赞成").click()
        expect(phone.get_by_text("您的投票已记录。")).to_be_visible()
        expect(phone.locator(".nominees")).to_contain_text("您的投票：赞成")
        if number == len(world["council"]):
            check_page(phone, "council-voted")
        phone.context.close()
    assert problems == []


def test_a_villager_nominates_and_gives_beans_from_the_phone(live_server, audited_phone, world):
    phone = audited_phone
    phone.goto(f"{live_server}/me/login")
    phone.get_by_label("手机号").fill("13800138000")
    phone.get_by_label("密码（6 位数字）").fill("135790")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server}/me")
    phone.get_by_role("link", name="评选").click()
    check_page(phone, "me-campaigns")
    phone.get_by_role("link", name="好家庭").click()
    check_page(phone, "me-before-nominating")

    phone.get_by_label("户号").fill("XF-003")
    phone.get_by_label("提名理由").fill("多年照顾孤寡老人")
    phone.get_by_role("button", name="提名", exact=True).click()
    expect(phone.get_by_text("提名成功。")).to_be_visible()

    phone.get_by_label("投给 XF-003 的豆数").fill("3")
    phone.get_by_role("button", name="投豆").click()
    expect(phone.get_by_text("投豆成功。")).to_be_visible()
    expect(phone.get_by_text("您家已经投过豆了。")).to_be_visible()
    check_page(phone, "me-beans-given")


def test_the_committee_sets_up_a_campaign_on_a_phone(live_server, audited_phone, world):
    phone = audited_phone
    staff_sign_in(phone, live_server, world["admin"], "admin-pass-1")
    phone.goto(f"{live_server}/leader/{world['village_id']}/campaigns")
    check_page(phone, "committee-setup")

    phone.get_by_label("评选名称").fill("道德模范")
    phone.get_by_label("公示天数").fill("3")
    phone.get_by_role("checkbox").first.check()
    phone.get_by_label("每位候选户至少几人投票").fill("1")
    phone.get_by_role("button", name="发起评选").click()

    expect(phone.get_by_role("heading", name="道德模范")).to_be_visible()
    check_page(phone, "committee-campaign")
