"""The monthly scoring grid offers only what can be posted: the months the person may post in,
and the rule items in force that month that a batch can post (not one above the approval
threshold, which must wait for an admin on its own)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from pointsmart.awards import scoring
from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.periods import current_period, local_today, previous_periods
from pointsmart.rules import catalogue as rules
from pointsmart.rules.models import RuleVersion
from tests.awards.conftest import add_rule
from tests.factories import ROOT


@pytest.fixture
def grid(make, village):
    grid = make.grid(village, name="一组")
    make.household(village, grid=grid, number="XF-001")
    return grid


def offered_months(html: str) -> list[str]:
    select = html.split('id="period"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([0-9-]+)"', select)


def test_a_leader_is_offered_this_month_and_last_and_an_admin_the_two_before(
    browse, leader, admin, village, grid, catalogue
):
    this, last, before = previous_periods(current_period(village.timezone), 3)[::-1]
    page = f"/leader/{village.id}/scoring?grid_id={grid.id}"

    as_leader = browse(leader).text(page)
    as_admin = browse(admin).text(page)

    assert offered_months(as_leader) == [this, last]  # the third was refused when saved
    assert offered_months(as_admin) == [this, last, before]
    old = browse(leader).text(f"{page}&period={before}")
    assert f"一组 · {this}" in old  # a month not offered shows this month's grid


def test_only_rule_items_that_can_be_posted_that_month_are_offered(
    browse, leader, village, grid, catalogue
):
    this, last = previous_periods(current_period(village.timezone), 2)[::-1]
    today = local_today(village.timezone)
    new = add_rule(village, "new", "新立的规矩", "rule", 5, cap=5, valid_from=today)
    add_rule(village, "big", "大额奖励", "rule", 60, cap=60, valid_from=today.replace(day=1))
    retired = add_rule(village, "gone", "已停用", "rule", 5, valid_from=today.replace(day=1))
    rules.change_rule(ROOT, retired.id, active=False)
    page = f"/leader/{village.id}/scoring?grid_id={grid.id}"

    now = browse(leader).text(f"{page}&period={this}")
    before = browse(leader).text(f"{page}&period={last}")

    names = [item.name for item in scoring.scorable_items(leader.principal, village, this)]
    assert names == ["门前三包", "垃圾分类", "新立的规矩"]
    assert f'name="q-{grid_household(village).id}-{new.id}"' in now
    assert "新立的规矩" not in before  # not in force last month: a save would be refused
    assert "大额奖励" not in now  # 60 > the threshold of 50: it would wait for approval
    assert "已停用" not in now


def test_the_points_shown_are_those_of_the_month_scored(browse, leader, village, grid, catalogue):
    this, last = previous_periods(current_period(village.timezone), 2)[::-1]
    rules.change_rule(ROOT, catalogue.tidy.id, points=20, monthly_cap=20,
                      valid_from=local_today(village.timezone))  # fmt: skip
    page = f"/leader/{village.id}/scoring?grid_id={grid.id}"

    assert "门前三包 (+20)" in browse(leader).text(f"{page}&period={this}")
    assert "门前三包 (+10)" in browse(leader).text(f"{page}&period={last}")


def grid_household(village) -> Household:
    return db.session.execute(
        sa.select(Household).where(Household.village_id == village.id, Household.number == "XF-001")
    ).scalar_one()


def test_an_hours_rule_takes_hours_and_says_so_even_when_capped_low(
    browse, leader, village, grid, catalogue
):
    """Regression: a village rule counted in hours was labelled "每次" and, capped under two
    hours' points, offered as a tick box (one tick: one hour)."""
    start = local_today(village.timezone).replace(day=1)
    patrol = add_rule(village, "xl", "巡逻", "rule", 2, unit="hour", cap=3, valid_from=start)
    page = f"/leader/{village.id}/scoring?grid_id={grid.id}"

    html = browse(leader).text(page)

    cell = f"q-{grid_household(village).id}-{patrol.id}"
    assert "巡逻 (+2 每小时)" in html
    assert f'<input id="{cell}" name="{cell}" inputmode="numeric"' in html
    assert "门前三包 (+10 每次)" not in html  # capped at one time: still a tick box


def test_a_rule_whose_cap_is_below_one_times_points_is_not_offered(
    browse, leader, village, grid, catalogue
):
    """Regression: capped at 5 a month, a rule worth 10 each time could never be posted, yet
    its tick box was offered and every save of it refused (monthly_cap_reached)."""
    start = local_today(village.timezone).replace(day=1)
    rule = add_rule(village, "bz", "不能用的规矩", "rule", 10, cap=10, valid_from=start)
    # Kept from before the catalogue refused such a cap.
    db.session.execute(
        sa.update(RuleVersion).where(RuleVersion.rule_id == rule.id).values(monthly_cap=5)
    )
    db.session.expire_all()
    period = current_period(village.timezone)

    names = [item.name for item in scoring.scorable_items(leader.principal, village, period)]

    assert "不能用的规矩" not in names
    assert "不能用的规矩" not in browse(leader).text(
        f"/leader/{village.id}/scoring?grid_id={grid.id}"
    )


def test_households_that_moved_away_take_no_place_of_active_ones_in_a_full_grid(
    leader, village, make, monkeypatch
):
    """Regression: the grid read its households up to the limit and then left out those that
    moved away, so in a grid that had many, active households past the limit were missing."""
    from pointsmart.admin.households import mark_moved_away

    monkeypatch.setattr(scoring, "MAX_HOUSEHOLDS", 3)
    grid = make.grid(village, name="二组")
    for number in ("A-1", "A-2", "A-3"):
        mark_moved_away(ROOT, make.household(village, grid=grid, number=number).id)
    active = [make.household(village, grid=grid, number=f"B-{n}").number for n in (1, 2, 3)]

    page = scoring.grid_of(leader.principal, village, grid.id, None)

    assert [h["number"] for h in page.households] == active
