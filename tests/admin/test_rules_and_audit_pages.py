"""Rules on the admin pages (add, new points from a day, retire, bring back) and the audit
log page (newest first, paged, who, when, what changed, only the admin's village)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import pointsmart
from pointsmart.activities import service as activities
from pointsmart.admin.views.village import ACTION_LABELS, TARGET_LABELS
from pointsmart.audit import service as audit
from pointsmart.extensions import db
from pointsmart.periods import local_today
from pointsmart.rules import catalogue as rules
from pointsmart.rules.models import Rule
from tests.admin.conftest import last_changes, last_entry
from tests.factories import ROOT


def _rule(code: str) -> Rule:
    return db.session.execute(db.select(Rule).where(Rule.code == code)).scalar_one()


def test_rules_are_added_changed_from_a_day_retired_and_brought_back(pages, office):
    vid = office.village.id
    pages.as_(office.admin).post(
        f"/admin/villages/{vid}/rules",
        {"code": "V01", "name": "志愿服务", "category": "volunteer", "unit": "hour", "points": "5"},
    )
    rule = _rule("V01")
    assert last_changes("rule.create")["points"] == 5
    assert "志愿服务" in pages.get(f"/admin/villages/{vid}/rules")

    later = (local_today(office.village.timezone) + dt.timedelta(days=40)).isoformat()
    pages.post(
        f"/admin/rules/{rule.id}/version",
        {"points": "8", "monthly_cap": "40", "valid_from": later},
    )
    view = rules.get_rule(ROOT, rule.id)
    assert [v.points for v in view.versions] == [5, 8]
    assert view.points == 5  # still 5 today
    # the page shows the points of today and the ones to come, with their day
    page = " ".join(pages.get(f"/admin/villages/{vid}/rules").split())
    assert "5 分 每小时" in page
    assert f"{later} 起： 8 分 每小时 · 每月最多 40 分" in page
    changes = last_changes("rule.update")
    assert changes["points"] == [5, 8]
    assert changes["monthly_cap"] == [None, 40]
    assert changes["valid_from"] == [None, later]

    pages.post(f"/admin/rules/{rule.id}/active", {"active": "0"})
    assert not db.session.get(Rule, rule.id).active
    assert last_changes("rule.update") == {"active": [True, False]}
    pages.post(f"/admin/rules/{rule.id}/active", {"active": "1"})
    assert db.session.get(Rule, rule.id).active


def test_bad_rules_are_chinese_form_errors(pages, office):
    vid = office.village.id
    pages.as_(office.admin)
    html = pages.post(
        f"/admin/villages/{vid}/rules",
        {"code": "B01", "name": "焚烧秸秆", "category": "black", "points": "5"},
        expect=422,
    )
    assert "黑榜细则只能扣分" in html
    rules.create_rule(ROOT, vid, code="R01", name="门前三包", category="rule", points=3)
    rule = _rule("R01")
    html = pages.post(
        f"/admin/rules/{rule.id}/version", {"points": "3", "valid_from": "2000-01-01"}, expect=422
    )
    assert "修改只能从今天或以后的某一天起生效" in html


@pytest.mark.parametrize("cap", ["1000001", "2147483648", "9" * 30])
def test_a_monthly_cap_beyond_any_entry_is_a_form_error_and_saves_nothing(pages, office, cap):
    # 2147483648 is past PostgreSQL's INTEGER, 9 * 30 past SQLite's: both answered 500.
    vid = office.village.id
    pages.as_(office.admin)
    rules.create_rule(ROOT, vid, code="R01", name="门前三包", category="rule", points=3)
    rule = _rule("R01")

    added = pages.post(
        f"/admin/villages/{vid}/rules",
        {"code": "R02", "name": "垃圾分类", "category": "rule", "points": "5", "monthly_cap": cap},
        expect=422,
    )
    changed = pages.post(
        f"/admin/rules/{rule.id}/version", {"points": "4", "monthly_cap": cap}, expect=422
    )

    for html in (added, changed):
        assert "每月上限应为 1 到 1000000 分，或留空。" in html
    assert db.session.execute(db.select(Rule.code).order_by(Rule.code)).scalars().all() == ["R01"]
    assert [v.points for v in rules.get_rule(ROOT, rule.id).versions] == [3]


def test_the_audit_page_shows_who_when_and_old_to_new_newest_first(pages, office):
    vid = office.village.id
    pages.as_(office.admin).post(f"/admin/grids/{office.grid.id}", {"name": "东片网格"})
    pages.post(f"/admin/households/{office.household.id}/members", {"name": "王小明"})
    html = pages.get(f"/admin/villages/{vid}/audit")
    assert html.index("添加家庭成员") < html.index("网格改名")
    assert office.admin.username in html
    assert "第一网格" in html
    assert "东片网格" in html
    assert "→" in html


def test_the_audit_page_pages_and_shows_only_the_admins_village(pages, office):
    vid = office.village.id
    for n in range(55):
        audit.record(
            actor_id=None,
            village_id=vid,
            action="grid.rename",
            target_type="grid",
            target_id=n,
            changes={"name": [f"旧{n}", f"新{n}"]},
        )
    other_village = office.make.village(name="远方村")
    office.make.grid(other_village, name="远方网格")
    first = pages.as_(office.admin).get(f"/admin/villages/{vid}/audit")
    assert "新54" in first
    assert "新5<" in first  # the 50th newest
    assert "新4<" not in first
    assert "远方网格" not in first
    before = first.split("before=")[1].split('"')[0]
    second = pages.get(f"/admin/villages/{vid}/audit?before={before}")
    assert "新4<" in second
    assert "新54" not in second
    assert "远方网格" not in second
    assert last_entry("grid.create").village_id == other_village.id


AUDITED = re.compile(
    r'"((?:village|grid|household|member|card|user|role|rule|shop|product|activity|attendance'
    r'|board_entry|objection|points|campaign|campaign_objection|rule_template)\.[a-z_]+)"'
)


def test_every_audited_action_and_target_has_words_on_the_page():
    package = Path(pointsmart.__file__).resolve().parent
    source = "\n".join(path.read_text(encoding="utf-8") for path in package.rglob("*.py"))
    actions = set(AUDITED.findall(source))
    targets = set(re.findall(r'target_type="([a-z_]+)"', source))

    assert {"household.import", "points.clear", "activity.create"} <= actions  # the scan works
    assert sorted(actions - set(ACTION_LABELS)) == []
    assert sorted(targets - set(TARGET_LABELS)) == []


def test_the_audit_page_says_what_happened_and_to_what_in_words(pages, office):
    vid = office.village.id
    rule = rules.create_rule(
        ROOT, vid, code="V01", name="志愿服务", category="volunteer", unit="hour", points=5
    )
    activities.create_activity(
        ROOT, vid, title="清扫河道", date=dt.date(2026, 3, 1), rule_id=rule.id
    )
    audit.record(
        actor_id=office.admin.user_id, village_id=vid, action="household.import",
        target_type="village", target_id=vid, changes={"count": 60},
    )  # fmt: skip
    html = pages.as_(office.admin).get(f"/admin/villages/{vid}/audit")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())  # what a person reads

    assert "从花名册导入农户" in text
    assert "household.import" not in text
    assert "志愿活动 清扫河道" in text  # it read "activity 8"
    assert "村 幸福村" in text
    assert "数量 60" in text
    assert "count" not in text
