"""A leader, on a phone, signs in, finds a household, awards points by rule (seeing the points
before saving) and the household's balance shows the award; and an admin approves a big one."""

import datetime as dt
import re

from playwright.sync_api import expect

from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.rules import catalogue as rules
from pointsmart.villages.models import Grid, Village
from tests.e2e.conftest import screenshot
from tests.factories import ROOT, Factories


def build_village(live_app):
    with live_app.app_context():
        make = Factories()
        village = make.village("幸福村")
        grid = make.grid(village, "一组")
        members = [{"name": "王建国", "relation": "本人"}, {"name": "张桂兰", "relation": "配偶"}]
        household = make.household(
            village, grid=grid, number="XF-007", head_name="王建国", members=members
        )
        start = dt.date(2020, 1, 1)
        tidy = rules.create_rule(
            ROOT, village.id, code="mqsb", name="门前三包", category="rule", points=10,
            monthly_cap=10, valid_from=start,
        )  # fmt: skip
        volunteer = rules.create_rule(
            ROOT, village.id, code="zyfw", name="志愿服务每小时", category="volunteer", points=10,
            unit="hour", valid_from=start,
        )  # fmt: skip
        big = rules.create_rule(
            ROOT, village.id, code="hxf", name="好媳妇", category="red", points=60,
            valid_from=start,
        )  # fmt: skip
        leader = make.staff("leader", village, password="leader-pass-1").username
        db.session.commit()
        return village.id, household.id, tidy.id, volunteer.id, big.id, leader


def sign_in(page, base, username, password):
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_leader_awards_points_by_rule_on_a_phone(live_app, live_server, phone):
    village_id, household_id, tidy_id, volunteer_id, _, leader = build_village(live_app)
    problems = []
    phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    phone.on("pageerror", lambda error: problems.append(str(error)))

    phone.goto(f"{live_server}/leader")
    expect(phone).to_have_url(re.compile(r"/login"))
    sign_in(phone, live_server, leader, "leader-pass-1")
    expect(phone).to_have_url(f"{live_server}/leader/{village_id}")
    expect(phone.get_by_role("heading", name="幸福村")).to_be_visible()
    screenshot(phone, "leader-home-phone")

    phone.get_by_label("找农户").fill("张桂兰")  # a member's name finds the household
    phone.get_by_role("button", name="查找").click()
    expect(phone).to_have_url(f"{live_server}/leader/{village_id}/households/{household_id}")
    expect(phone.get_by_role("heading", name="XF-007 王建国")).to_be_visible()
    expect(phone.locator("[data-balance]")).to_have_text("0 分")

    phone.get_by_label("细则").select_option(str(volunteer_id))
    phone.get_by_label("数量或时长（小时）").fill("2.5")
    expect(phone.locator("[data-live-points]")).to_have_text("约 +25 分")
    screenshot(phone, "leader-award-form-phone")
    phone.get_by_role("button", name="算一算分数").click()

    expect(phone.get_by_role("heading", name="保存前请核对")).to_be_visible()
    expect(phone.locator("[data-points]")).to_have_text("+25 分")
    screenshot(phone, "leader-award-confirm-phone")
    phone.get_by_role("button", name="保存").click()

    expect(phone).to_have_url(f"{live_server}/leader/{village_id}/households/{household_id}")
    expect(phone.get_by_text("已记 +25 分。现在余额 25 分。")).to_be_visible()
    expect(phone.locator("[data-balance]")).to_have_text("25 分")
    screenshot(phone, "leader-award-saved-phone")

    # the same household by rule once more: the monthly cap of 门前三包 is one award
    phone.get_by_label("细则").select_option(str(tidy_id))
    phone.get_by_label("数量或时长（小时）").fill("1")
    phone.get_by_role("button", name="算一算分数").click()
    phone.get_by_role("button", name="保存").click()
    expect(phone.locator("[data-balance]")).to_have_text("35 分")

    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    assert problems == []


def test_a_big_award_waits_until_an_admin_approves_it(live_app, live_server, phone, browser):
    village_id, household_id, _, _, big_id, leader = build_village(live_app)
    with live_app.app_context():
        village = db.session.get(Village, village_id)
        admin = Factories().staff("admin", village, password="admin-pass-1").username
        db.session.commit()

    phone.goto(f"{live_server}/leader/{village_id}/households/{household_id}")
    sign_in(phone, live_server, leader, "leader-pass-1")
    phone.get_by_label("细则").select_option(str(big_id))
    phone.get_by_role("button", name="算一算分数").click()
    expect(phone.get_by_text("超过审批额度：将等待管理员审批。")).to_be_visible()
    phone.get_by_role("button", name="保存").click()
    expect(phone.get_by_text("60 分超过了审批额度，已提交审批。")).to_be_visible()
    expect(phone.locator("[data-balance]")).to_have_text("0 分")

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    office = context.new_page()
    office.goto(f"{live_server}/leader/{village_id}/approvals")
    sign_in(office, live_server, admin, "admin-pass-1")
    expect(office.get_by_role("heading", name="待审批的加分")).to_be_visible()
    screenshot(office, "admin-approvals-phone")
    office.get_by_role("button", name="批准").click()
    expect(office.get_by_text("已批准并记分。")).to_be_visible()
    context.close()

    phone.reload()
    expect(phone.locator("[data-balance]")).to_have_text("60 分")


def test_a_grid_is_scored_for_the_month_on_a_phone(live_app, live_server, phone):
    village_id, household_id, tidy_id, _, _, leader = build_village(live_app)
    with live_app.app_context():
        grid = db.session.get(Household, household_id).grid_id
        neighbour = Factories().household(
            db.session.get(Village, village_id),
            grid=db.session.get(Grid, grid),
            number="XF-008",
            head_name="李秀英",
        )
        db.session.commit()

    phone.goto(f"{live_server}/leader/{village_id}/scoring")
    sign_in(phone, live_server, leader, "leader-pass-1")
    phone.get_by_role("button", name="显示").click()
    expect(phone.get_by_role("heading", name="XF-007 王建国")).to_be_visible()
    phone.locator(f'input[name="q-{household_id}-{tidy_id}"]').check()
    screenshot(phone, "leader-scoring-phone")
    phone.get_by_role("button", name="全部保存").click()

    expect(phone.get_by_text("已保存")).to_be_visible()
    expect(phone.get_by_text("已评，10 分")).to_have_count(1)
    expect(phone.locator(f'input[name="q-{neighbour.id}-{tidy_id}"]')).to_be_visible()


def test_the_scoring_grid_on_a_phone_all_compliant_and_a_save_bar_that_covers_no_row(
    live_app, live_server, phone
):
    with live_app.app_context():
        make = Factories()
        village = make.village("幸福村")
        grid = make.grid(village, "一组")
        households = [make.household(village, grid=grid, number=f"XF-{n:03d}") for n in range(8)]
        start = dt.date(2020, 1, 1)
        for code, name, points, cap in [
            ("mqsb", "门前三包", 10, 10),
            ("ljfl", "垃圾分类", 5, 15),
            ("ldlf", "乱堆乱放", -10, 10),
        ]:
            rules.create_rule(
                ROOT, village.id, code=code, name=name, category="rule", points=points,
                monthly_cap=cap, valid_from=start,
            )  # fmt: skip
        leader = make.staff("leader", village, password="leader-pass-1").username
        village_id, grid_id, first_id = village.id, grid.id, households[0].id
        db.session.commit()
    problems = []
    phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    phone.goto(f"{live_server}/leader")
    sign_in(phone, live_server, leader, "leader-pass-1")
    expect(phone).to_have_url(f"{live_server}/leader/{village_id}")
    phone.goto(f"{live_server}/leader/{village_id}/scoring?grid_id={grid_id}")
    bar = phone.locator(".scoring-bar")
    first_row = phone.locator(".scoring-household").first
    bar_box, row_box = bar.bounding_box(), first_row.bounding_box()
    screenshot(phone, "leader-scoring-phone")

    phone.get_by_role("button", name="全部合格").click()
    ticked = phone.locator("input[type=checkbox]:checked").count()
    status = phone.get_by_role("status").inner_text()
    # scrolled down, then back to the first household's box by keyboard: it shows clear of the bar
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    phone.wait_for_function("window.scrollY > 500")
    field = phone.locator(f'input[name^="q-{first_id}-"]').first
    field.evaluate("box => box.focus()")
    phone.wait_for_function("window.scrollY < 500")
    bar_after, field_box = bar.bounding_box(), field.bounding_box()
    phone.get_by_role("button", name="全部保存").click()
    phone.wait_for_url(re.compile(r"/scoring"))
    saved = phone.get_by_role("status").first.inner_text()

    assert bar_box["y"] + bar_box["height"] <= row_box["y"]  # above the first row, not on it
    assert ticked == 8  # 门前三包 for each household; 乱堆乱放 (a deduction) is never ticked
    assert status == "已勾选 8 项：请把没做到的取消勾选，然后保存。"
    assert field_box["y"] >= bar_after["y"] + bar_after["height"]
    assert re.fullmatch(r"已保存 \d{4}-\d{2} 的 8 条评分。", saved)
    assert problems == []
