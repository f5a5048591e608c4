"""A village admin of the county sees its published templates, previews and adopts a version
from a day of their choosing, with points inside the county's range; later versions show as a
notice; the village's later edits stay inside the range."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from pointsmart.audit.models import AuditEntry
from pointsmart.extensions import db
from pointsmart.periods import local_today
from pointsmart.regions import service as regions
from pointsmart.rule_templates import drafting
from pointsmart.rules.models import Rule
from tests.factories import ROOT
from tests.rule_templates.conftest import ENTRIES, publish_template


def _adopt(api, tree, template_id, *, expect=201, **body):
    return api.post(
        f"/villages/{tree.village.id}/rule-template-adoptions",
        json={"template_id": template_id, "version": 1, **body},
        as_=tree.village_admin,
        expect=expect,
    )


def _rules(api, tree) -> dict[str, dict]:
    items = api.get(f"/villages/{tree.village.id}/rules", as_=tree.village_admin)["items"]
    return {rule["code"]: rule for rule in items}


def test_the_village_sees_the_county_template_with_a_notice_until_it_adopts_it(
    api, tree, template_id
):
    offers = api.get(f"/villages/{tree.village.id}/rule-templates", as_=tree.village_admin)
    assert offers["notice"] is True
    assert offers["items"] == [
        {
            "template_id": template_id,
            "title": "村规民约积分细则",
            "latest_version": 1,
            "adopted_version": None,
            "adopted_from": None,
            "newer_available": True,
        }
    ]

    _adopt(api, tree, template_id)

    offers = api.get(f"/villages/{tree.village.id}/rule-templates", as_=tree.village_admin)
    assert offers["notice"] is False
    assert offers["items"][0]["adopted_version"] == 1


def test_adopting_makes_the_rules_with_the_chosen_points_and_the_county_range(
    api, tree, template_id
):
    today = local_today(tree.village.timezone)
    preview = api.post(
        f"/villages/{tree.village.id}/rule-template-adoptions/preview",
        json={
            "template_id": template_id,
            "version": 1,
            "entries": [{"code": "mqsb", "points": 12}, {"code": "lkxs"}],
        },
        as_=tree.village_admin,
        expect=200,
    )
    assert preview["id"] is None
    assert preview["left_out"] == ["zyfw"]
    assert [
        (e["code"], e["action"], e["points"], e["county_points"]) for e in preview["entries"]
    ] == [
        ("mqsb", "new_rule", 12, 10),
        ("lkxs", "new_rule", -20, -20),
    ]
    assert _rules(api, tree) == {}

    adopted = _adopt(
        api, tree, template_id, entries=[{"code": "mqsb", "points": 12}, {"code": "lkxs"}]
    )

    assert adopted["id"] is not None
    assert adopted["valid_from"] == today.isoformat()
    rules = _rules(api, tree)
    assert set(rules) == {"mqsb", "lkxs"}
    assert (rules["mqsb"]["points"], rules["mqsb"]["points_min"], rules["mqsb"]["points_max"]) == (
        12,
        8,
        12,
    )
    assert rules["mqsb"]["monthly_cap"] == 30
    assert rules["mqsb"]["category"] == "rule"
    assert rules["lkxs"]["points"] == -20
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "rule_template.adopt")
    ).scalar_one()
    assert entry.village_id == tree.village.id
    assert entry.actor_id == tree.village_admin.user_id
    history = api.get(
        f"/villages/{tree.village.id}/rule-template-adoptions", as_=tree.village_admin
    )["items"]
    assert [(a["version"], a["adopted_by_id"]) for a in history] == [
        (1, tree.village_admin.user_id)
    ]


def test_points_outside_the_county_range_are_refused_and_nothing_is_made(api, tree, template_id):
    refused = _adopt(
        api,
        tree,
        template_id,
        expect=409,
        entries=[{"code": "mqsb", "points": 13}, {"code": "zyfw", "points": 2}],
    )
    assert refused["code"] == "points_out_of_range"
    assert {e["code"]: (e["points_min"], e["points_max"]) for e in refused["entries"]} == {
        "mqsb": (8, 12),
        "zyfw": (3, 6),
    }
    assert set(refused["errors"]["entries"]) == {"mqsb", "zyfw"}
    fixed = _adopt(api, tree, template_id, expect=409, entries=[{"code": "lkxs", "points": -10}])
    assert fixed["code"] == "points_out_of_range"
    assert _rules(api, tree) == {}
    assert (
        api.get(f"/villages/{tree.village.id}/rule-template-adoptions", as_=tree.village_admin)[
            "items"
        ]
        == []
    )


def test_a_later_edit_of_an_adopted_rule_stays_inside_the_range(api, tree, template_id):
    _adopt(api, tree, template_id)
    rule = _rules(api, tree)["mqsb"]
    tomorrow = (local_today(tree.village.timezone) + dt.timedelta(days=1)).isoformat()

    refused = api.request(
        "PATCH",
        f"/rules/{rule['id']}",
        json={"points": 15, "valid_from": tomorrow},
        as_=tree.village_admin,
        expect=409,
    ).get_json()
    assert refused["code"] == "points_out_of_range"
    assert (refused["points_min"], refused["points_max"]) == (8, 12)

    changed = api.request(
        "PATCH",
        f"/rules/{rule['id']}",
        json={"points": 9, "valid_from": tomorrow},
        as_=tree.village_admin,
        expect=200,
    ).get_json()
    assert [(v["points"], v["points_min"], v["points_max"]) for v in changed["versions"]] == [
        (10, 8, 12),
        (9, 8, 12),
    ]
    # A rule of the village's own has no range.
    own = api.post(
        f"/villages/{tree.village.id}/rules",
        json={"code": "own", "name": "自定", "category": "other", "points": 5},
        as_=tree.village_admin,
    )
    api.request(
        "PATCH", f"/rules/{own['id']}", json={"points": 500}, as_=tree.village_admin, expect=200
    )


def test_a_newer_version_shows_as_a_notice_and_is_adopted_as_new_points_of_the_same_rules(
    api, tree, template_id
):
    _adopt(api, tree, template_id, entries=[{"code": "mqsb", "points": 9}])
    before = _rules(api, tree)["mqsb"]
    drafting.start_draft(ROOT, template_id)
    drafting.save_draft(
        ROOT,
        template_id,
        entries=[{**ENTRIES[0], "points": 15, "points_min": 14, "points_max": 16}, ENTRIES[2]],
    )
    drafting.publish(ROOT, template_id, note="提高门前三包")

    offers = api.get(f"/villages/{tree.village.id}/rule-templates", as_=tree.village_admin)
    assert offers["notice"] is True
    offer = offers["items"][0]
    assert (offer["latest_version"], offer["adopted_version"], offer["newer_available"]) == (
        2,
        1,
        True,
    )
    later = local_today(tree.village.timezone) + dt.timedelta(days=10)
    preview = api.post(
        f"/villages/{tree.village.id}/rule-template-adoptions/preview",
        json={"template_id": template_id, "version": 2, "valid_from": later.isoformat()},
        as_=tree.village_admin,
        expect=200,
    )
    assert [
        (e["code"], e["action"], e["rule_id"], e["current_points"]) for e in preview["entries"]
    ] == [
        ("mqsb", "new_version", before["id"], 9),
        ("zyfw", "new_rule", None, None),
    ]

    _adopt(api, tree, template_id, version=2, valid_from=later.isoformat())

    rules = _rules(api, tree)
    assert rules["mqsb"]["id"] == before["id"]
    assert rules["mqsb"]["points"] == 9  # until the day chosen
    assert [(v["points"], v["valid_from"], v["points_min"]) for v in rules["mqsb"]["versions"]] == [
        (9, before["versions"][0]["valid_from"], 8),
        (15, later.isoformat(), 14),
    ]
    assert "zyfw" in rules
    offers = api.get(f"/villages/{tree.village.id}/rule-templates", as_=tree.village_admin)
    assert offers["notice"] is False


def test_going_back_to_an_older_version_brings_the_notice_back(api, tree, template_id):
    """A village that adopted v2 and then v1 again runs v1's points and range, yet its offer
    said v2 was adopted and showed no notice: it named the highest version ever adopted,
    not the one the village's rules follow."""
    drafting.start_draft(ROOT, template_id)
    raised = {**ENTRIES[0], "points": 15, "points_min": 14, "points_max": 16}
    drafting.save_draft(ROOT, template_id, entries=[raised])
    drafting.publish(ROOT, template_id)
    _adopt(api, tree, template_id, version=2)

    _adopt(api, tree, template_id, version=1, entries=[{"code": "mqsb"}])

    assert _rules(api, tree)["mqsb"]["points"] == 10
    offers = api.get(f"/villages/{tree.village.id}/rule-templates", as_=tree.village_admin)
    assert offers["notice"] is True
    assert offers["items"][0]["adopted_version"] == 1
    assert offers["items"][0]["newer_available"] is True


def test_a_version_adopted_from_a_later_day_is_the_one_the_offer_names(api, tree, template_id):
    drafting.start_draft(ROOT, template_id)
    drafting.publish(ROOT, template_id)
    _adopt(api, tree, template_id, version=1)
    later = (local_today(tree.village.timezone) + dt.timedelta(days=10)).isoformat()

    _adopt(api, tree, template_id, version=2, valid_from=later)

    offers = api.get(f"/villages/{tree.village.id}/rule-templates", as_=tree.village_admin)
    assert (offers["items"][0]["adopted_version"], offers["items"][0]["adopted_from"]) == (
        2,
        later,
    )
    assert offers["notice"] is False


def test_a_rule_with_points_of_its_own_after_the_day_refuses_the_adoption(api, tree, template_id):
    _adopt(api, tree, template_id)
    rule = _rules(api, tree)["mqsb"]
    today = local_today(tree.village.timezone)
    api.request(
        "PATCH",
        f"/rules/{rule['id']}",
        json={"points": 11, "valid_from": (today + dt.timedelta(days=20)).isoformat()},
        as_=tree.village_admin,
        expect=200,
    )

    refused = _adopt(
        api, tree, template_id, expect=409, valid_from=(today + dt.timedelta(days=5)).isoformat()
    )
    assert refused["code"] == "later_version_exists"
    assert refused["rules"][0]["code"] == "mqsb"
    _adopt(api, tree, template_id, valid_from=(today + dt.timedelta(days=20)).isoformat())


def test_a_code_the_village_uses_already_gets_a_suffix(api, tree, template_id):
    api.post(
        f"/villages/{tree.village.id}/rules",
        json={"code": "mqsb", "name": "本村门前", "category": "rule", "points": 3},
        as_=tree.village_admin,
    )
    adopted = _adopt(api, tree, template_id, entries=[{"code": "mqsb"}])
    assert adopted["entries"][0]["rule_code"] == "mqsb-2"
    assert _rules(api, tree)["mqsb-2"]["name"] == "门前三包"


def test_an_adoption_starts_today_or_later(api, tree, template_id):
    yesterday = local_today(tree.village.timezone) - dt.timedelta(days=1)
    refused = _adopt(api, tree, template_id, expect=422, valid_from=yesterday.isoformat())
    assert "valid_from" in refused["errors"]
    refused = _adopt(api, tree, template_id, expect=422, entries=[{"code": "nope"}])
    assert "entries" in refused["errors"]
    api.post(
        f"/villages/{tree.village.id}/rule-template-adoptions",
        json={"template_id": template_id, "version": 9},
        as_=tree.village_admin,
        expect=404,
    )


def test_who_may_adopt(api, tree, template_id, make):
    other_county = regions.create_region(ROOT, name="别县", level="county", parent_id=None)
    other_town = regions.create_region(
        ROOT, name="别镇", level="township", parent_id=other_county.id
    )
    outside = make.village(name="别村", region_id=other_town.id)
    outside_admin = make.staff("admin", outside)
    path = f"/villages/{tree.village.id}/rule-template-adoptions"
    body = {"template_id": template_id, "version": 1}
    for staff in (
        tree.county_admin,
        tree.township_admin,
        tree.leader,
        outside_admin,
        make.staff("admin", tree.other_village),
    ):
        assert api.post(path, json=body, as_=staff, expect=403)["code"] == "forbidden"
        api.get(f"/villages/{tree.village.id}/rule-templates", as_=staff, expect=403)
    # The admin of a village outside the county may not adopt its template at home either.
    api.post(
        f"/villages/{outside.id}/rule-template-adoptions", json=body, as_=outside_admin, expect=403
    )
    # A village in no county has no templates.
    loose_admin = make.staff("admin", tree.loose_village)
    api.get(f"/villages/{tree.loose_village.id}/rule-templates", as_=loose_admin, expect=404)
    # Another county's template, even for the admin of every village, is not this village's.
    foreign = publish_template(other_county.id)
    refused = api.post(
        path, json={"template_id": foreign, "version": 1}, as_=tree.global_admin, expect=422
    )
    assert "template_id" in refused["errors"]
    assert (
        db.session.execute(sa.select(Rule.id).where(Rule.village_id == tree.village.id)).first()
        is None
    )
