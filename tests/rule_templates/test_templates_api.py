"""A county's admins make a template, edit its draft and publish numbered versions that never
change; its township admins and its villages' admins read them; nobody else does."""

from __future__ import annotations

import pytest

from pointsmart.regions import service as regions
from tests.factories import ROOT
from tests.rule_templates.conftest import ENTRIES


def test_a_county_admin_makes_a_template_and_publishes_it_as_version_1(api, tree):
    made = api.post(
        f"/regions/{tree.county.id}/rule-templates",
        json={"title": "村规民约积分细则", "entries": ENTRIES},
        as_=tree.county_admin,
    )
    assert made["latest_version"] is None
    assert made["versions"] == []
    assert [e["code"] for e in made["draft"]["entries"]] == ["mqsb", "lkxs", "zyfw"]
    fixed = made["draft"]["entries"][1]
    assert (fixed["points"], fixed["points_min"], fixed["points_max"]) == (-20, -20, -20)

    version = api.post(f"/rule-templates/{made['id']}/publish", json={}, as_=tree.county_admin)

    assert version["number"] == 1
    assert version["published_at"] is not None
    assert version["entries"][0] == {
        "id": version["entries"][0]["id"],
        "code": "mqsb",
        "name": "门前三包",
        "category": "rule",
        "unit": "each",
        "points": 10,
        "points_min": 8,
        "points_max": 12,
        "monthly_cap": 30,
    }
    template = api.get(f"/rule-templates/{made['id']}", as_=tree.county_admin)
    assert template["latest_version"] == 1
    assert template["draft"] is None
    assert [v["number"] for v in template["versions"]] == [1]


def test_a_published_version_never_changes_and_the_next_draft_becomes_version_2(
    api, tree, template_id
):
    admin = tree.county_admin
    refused = api.request(
        "PATCH", f"/rule-templates/{template_id}/draft", json={"title": "改"}, as_=admin, expect=409
    ).get_json()
    assert refused["code"] == "no_draft"

    draft = api.post(f"/rule-templates/{template_id}/draft", as_=admin)
    assert draft["number"] is None
    assert [e["code"] for e in draft["entries"]] == ["mqsb", "lkxs", "zyfw"]
    again = api.post(f"/rule-templates/{template_id}/draft", as_=admin, expect=409)
    assert again["code"] == "draft_exists"

    changed = [{**ENTRIES[0], "points": 11, "points_max": 15}, ENTRIES[1]]
    api.request(
        "PATCH",
        f"/rule-templates/{template_id}/draft",
        json={"entries": changed, "note": "门前三包提高"},
        as_=admin,
        expect=200,
    )
    v1 = api.get(f"/rule-templates/{template_id}/versions/1", as_=admin)
    assert [(e["code"], e["points"]) for e in v1["entries"]] == [
        ("mqsb", 10),
        ("lkxs", -20),
        ("zyfw", 5),
    ]

    v2 = api.post(f"/rule-templates/{template_id}/publish", json={}, as_=admin)
    assert (v2["number"], v2["note"]) == (2, "门前三包提高")
    assert [(e["code"], e["points"]) for e in v2["entries"]] == [("mqsb", 11), ("lkxs", -20)]
    assert api.get(f"/rule-templates/{template_id}/versions/1", as_=admin) == v1
    listed = api.get(f"/rule-templates/{template_id}/versions", as_=tree.village_admin)
    assert [(v["number"], v["note"]) for v in listed["items"]] == [(1, ""), (2, "门前三包提高")]
    api.get(f"/rule-templates/{template_id}/versions/3", as_=admin, expect=404)


def test_publishing_needs_a_draft_with_rules(api, tree):
    made = api.post(
        f"/regions/{tree.county.id}/rule-templates", json={"title": "空"}, as_=tree.county_admin
    )
    refused = api.post(
        f"/rule-templates/{made['id']}/publish", json={}, as_=tree.county_admin, expect=409
    )
    assert refused["code"] == "template_empty"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"points": 10, "points_min": 11}, "points_min"),
        ({"points": 10, "points_max": 9}, "points_min"),
        ({"points": 10, "points_min": -2}, "points_min"),
        ({"category": "black", "points": 10}, "points"),
        ({"points": 0}, "points"),
        ({"monthly_cap": 0}, "monthly_cap"),
        ({"monthly_cap": 7}, "monthly_cap"),  # below the fewest points a village may choose
    ],
)
def test_a_bad_entry_is_refused_naming_it(api, tree, change, field):
    refused = api.post(
        f"/regions/{tree.county.id}/rule-templates",
        json={"title": "细则", "entries": [ENTRIES[1], {**ENTRIES[0], **change}]},
        as_=tree.county_admin,
        expect=422,
    )
    assert refused["code"] == "validation_failed"
    assert field in refused["errors"]["entries"]["1"]


def test_two_entries_may_not_share_a_code(api, tree):
    refused = api.post(
        f"/regions/{tree.county.id}/rule-templates",
        json={"title": "细则", "entries": [ENTRIES[0], ENTRIES[0]]},
        as_=tree.county_admin,
        expect=422,
    )
    assert "code" in refused["errors"]["entries"]["1"]


def test_an_entry_code_with_a_hidden_character_is_refused_like_a_name(api, tree):
    refused = api.post(
        f"/regions/{tree.county.id}/rule-templates",
        json={"title": "细则", "entries": [ENTRIES[1], {**ENTRIES[0], "code": "a\u202eb"}]},
        as_=tree.county_admin,
        expect=422,
    )

    assert refused["errors"]["entries"] == {
        "1": {"code": ["含有看不见的字符或改变文字方向的字符（U+202E）：请删掉后重新输入。"]}
    }


def test_a_published_code_keeps_its_category_unit_and_sign(api, tree, template_id):
    admin = tree.county_admin
    api.post(f"/rule-templates/{template_id}/draft", as_=admin)
    for change, field in (
        ({"unit": "hour"}, "unit"),
        ({"category": "other"}, "category"),
        ({"category": "rule", "points": -10, "points_min": -12, "points_max": -8}, "points"),
    ):
        refused = api.request(
            "PATCH",
            f"/rule-templates/{template_id}/draft",
            json={"entries": [{**ENTRIES[0], **change}]},
            as_=admin,
            expect=422,
        ).get_json()
        assert field in refused["errors"]["entries"]["0"], change


def test_who_reads_and_who_makes_the_county_templates(api, tree, template_id, make):
    other_county = regions.create_region(ROOT, name="别县", level="county", parent_id=None)
    other_town = regions.create_region(
        ROOT, name="别镇", level="township", parent_id=other_county.id
    )
    outside_village = make.village(name="别村", region_id=other_town.id)
    readers = {
        "county admin": tree.county_admin,
        "global admin": tree.global_admin,
        "township admin": tree.township_admin,
        "other township's admin": tree.other_township_admin,
        "village admin": tree.village_admin,
    }
    strangers = {
        "county admin of another county": make.staff("county_admin", region=other_county),
        "admin of a village outside the county": make.staff("admin", outside_village),
        "admin of a village in no township": make.staff("admin", tree.loose_village),
        "leader of a village of the county": tree.leader,
    }
    for who, staff in readers.items():
        listed = api.get(f"/regions/{tree.county.id}/rule-templates", as_=staff)
        assert [t["id"] for t in listed["items"]] == [template_id], who
        api.get(f"/rule-templates/{template_id}/versions/1", as_=staff)
    for who, staff in strangers.items():
        for path in (
            f"/regions/{tree.county.id}/rule-templates",
            f"/rule-templates/{template_id}",
            f"/rule-templates/{template_id}/versions/1",
        ):
            assert api.get(path, as_=staff, expect=403)["code"] == "forbidden", who
    for staff in (
        tree.township_admin,
        tree.village_admin,
        strangers["county admin of another county"],
    ):
        api.post(f"/rule-templates/{template_id}/draft", as_=staff, expect=403)
        api.post(
            f"/regions/{tree.county.id}/rule-templates",
            json={"title": "细则"},
            as_=staff,
            expect=403,
        )
    api.get(f"/rule-templates/{template_id}", as_=None, expect=401)


def test_only_the_county_admins_see_the_draft(api, tree, template_id):
    api.post(f"/rule-templates/{template_id}/draft", as_=tree.county_admin)
    assert api.get(f"/rule-templates/{template_id}", as_=tree.county_admin)["draft"] is not None
    assert api.get(f"/rule-templates/{template_id}", as_=tree.township_admin)["draft"] is None
    assert api.get(f"/rule-templates/{template_id}", as_=tree.village_admin)["draft"] is None
    api.get(f"/rule-templates/{template_id}/draft", as_=tree.village_admin, expect=403)


def test_a_township_has_no_templates(api, tree):
    api.get(f"/regions/{tree.township.id}/rule-templates", as_=tree.county_admin, expect=404)


def test_readers_see_published_titles_only(api, tree, template_id):
    unpublished = api.post(
        f"/regions/{tree.county.id}/rule-templates", json={"title": "草拟中"}, as_=tree.county_admin
    )
    api.post(f"/rule-templates/{template_id}/draft", as_=tree.county_admin)
    api.request(
        "PATCH",
        f"/rule-templates/{template_id}/draft",
        json={"title": "新名称"},
        as_=tree.county_admin,
        expect=200,
    )

    for reader in (tree.township_admin, tree.village_admin):
        listed = api.get(f"/regions/{tree.county.id}/rule-templates", as_=reader)
        assert [(t["id"], t["title"]) for t in listed["items"]] == [
            (template_id, "村规民约积分细则")
        ]
        api.get(f"/rule-templates/{unpublished['id']}", as_=reader, expect=404)
    mine = api.get(f"/regions/{tree.county.id}/rule-templates", as_=tree.county_admin)
    assert [t["title"] for t in mine["items"]] == ["新名称", "草拟中"]
