"""The rule catalogue through the API: adding, listing, versions from a date, permissions."""

import datetime as dt

import pytest

from pointsmart.periods import local_today

RULE = {"code": "mqsb", "name": "门前三包", "category": "rule", "points": 10, "monthly_cap": 10}


def test_an_admin_adds_a_rule_and_staff_see_it_in_the_catalogue(api, village, admin, leader):
    created = api.post(f"/villages/{village.id}/rules", json=RULE, as_=admin)

    assert created["village_id"] == village.id
    assert (created["code"], created["name"], created["category"]) == ("mqsb", "门前三包", "rule")
    assert (created["points"], created["unit"], created["monthly_cap"]) == (10, "each", 10)
    assert created["active"] is True
    assert created["version"] == 1
    assert [v["points"] for v in created["versions"]] == [10]
    assert created["versions"][0]["valid_from"] == local_today(village.timezone).isoformat()
    listed = api.get(f"/villages/{village.id}/rules", as_=leader)
    assert [rule["code"] for rule in listed["items"]] == ["mqsb"]


def test_the_catalogue_filters_by_category_unit_and_active(api, village, admin, catalogue):
    api.request(
        "PATCH", f"/rules/{catalogue.clutter.id}", json={"active": False}, as_=admin, expect=200
    )

    hours = api.get(f"/villages/{village.id}/rules?unit=hour", as_=admin)
    black = api.get(f"/villages/{village.id}/rules?category=black&active=true", as_=admin)

    assert [r["code"] for r in hours["items"]] == ["zyfw"]
    assert [r["code"] for r in black["items"]] == ["fsjg"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"points": 0}, "points"),
        ({"points": 2.5}, "points"),
        ({"category": "volunteer", "points": -5}, "points"),
        ({"category": "red", "points": -5}, "points"),
        ({"category": "black", "points": 5}, "points"),
        ({"category": "bribe"}, "category"),
        ({"unit": "kg"}, "unit"),
        ({"monthly_cap": 0}, "monthly_cap"),
        ({"points": 10, "monthly_cap": 5}, "monthly_cap"),  # not even once a month
        ({"category": "black", "points": -10, "monthly_cap": 5}, "monthly_cap"),
        ({"code": ""}, "code"),
        ({"name": ""}, "name"),
        ({"code": "x" * 33}, "code"),
        ({"valid_from": "1999-12-31"}, "valid_from"),  # no month of the ledger
        ({"valid_from": "9999-12-01"}, "valid_from"),
    ],
)
def test_a_bad_rule_is_refused(api, village, admin, change, field):
    refused = api.post(
        f"/villages/{village.id}/rules", json={**RULE, **change}, as_=admin, expect=422
    )

    assert refused["code"] == "validation_failed"
    assert field in refused["errors"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("mq\x01sb", "含有控制字符（U+0001）。"),
        ("\u202emqsb", "含有看不见的字符或改变文字方向的字符（U+202E）：请删掉后重新输入。"),
        ("mq\u200bsb", "含有看不见的字符或改变文字方向的字符（U+200B）：请删掉后重新输入。"),
    ],
)
def test_a_rule_code_with_a_hidden_character_is_refused_like_a_name(
    api, village, admin, code, message
):
    refused = api.post(
        f"/villages/{village.id}/rules", json={**RULE, "code": code}, as_=admin, expect=422
    )

    assert refused["errors"] == {"code": [message]}
    assert api.get(f"/villages/{village.id}/rules", as_=admin)["items"] == []


def test_codes_are_unique_in_a_village_but_not_across_villages(api, make, village, admin):
    api.post(f"/villages/{village.id}/rules", json=RULE, as_=admin)
    other = make.village()

    refused = api.post(f"/villages/{village.id}/rules", json=RULE, as_=admin, expect=422)
    api.post(f"/villages/{other.id}/rules", json=RULE, as_=make.staff("admin", other))

    assert "code" in refused["errors"]


@pytest.mark.parametrize("who", ["leader", "shopkeeper", "admin of another village"])
def test_only_an_admin_of_the_village_changes_the_catalogue(api, make, village, catalogue, who):
    staff = {
        "leader": lambda: make.staff("leader", village),
        "shopkeeper": lambda: make.staff("shopkeeper", village, make.shop(village)),
        "admin of another village": lambda: make.staff("admin", make.village()),
    }[who]()

    api.post(f"/villages/{village.id}/rules", json=RULE, as_=staff, expect=403)
    api.request("PATCH", f"/rules/{catalogue.tidy.id}", json={"points": 20}, as_=staff, expect=403)


def test_new_points_make_a_new_version_from_today_and_the_old_one_stays(
    api, village, admin, catalogue
):
    changed = api.request(
        "PATCH",
        f"/rules/{catalogue.tidy.id}",
        json={"points": 8, "name": "门前三包（新）"},
        as_=admin,
        expect=200,
    ).get_json()

    assert changed["name"] == "门前三包（新）"
    assert (changed["points"], changed["monthly_cap"], changed["version"]) == (8, 10, 2)
    assert [(v["version"], v["points"]) for v in changed["versions"]] == [(1, 10), (2, 8)]
    assert changed["versions"][1]["valid_from"] == local_today(village.timezone).isoformat()


def test_a_change_from_a_later_day_is_not_in_force_yet(api, village, admin, catalogue):
    later = local_today(village.timezone) + dt.timedelta(days=10)

    changed = api.request(
        "PATCH",
        f"/rules/{catalogue.tidy.id}",
        json={"monthly_cap": None, "valid_from": later.isoformat()},
        as_=admin,
        expect=200,
    ).get_json()

    assert (changed["version"], changed["monthly_cap"]) == (1, 10)
    assert changed["versions"][-1] == {
        **changed["versions"][-1],
        "version": 2,
        "points": 10,
        "monthly_cap": None,
        "valid_from": later.isoformat(),
    }


def test_a_change_cannot_reach_back_before_today(api, village, admin, catalogue):
    yesterday = local_today(village.timezone) - dt.timedelta(days=1)

    refused = api.request(
        "PATCH",
        f"/rules/{catalogue.tidy.id}",
        json={"points": 20, "valid_from": yesterday.isoformat()},
        as_=admin,
        expect=422,
    ).get_json()

    assert "valid_from" in refused["errors"]
    assert api.get(f"/rules/{catalogue.tidy.id}", as_=admin)["version"] == 1


def test_a_cap_below_one_times_points_is_refused_whichever_of_the_two_changes(api, village, admin):
    """Regression: a rule worth 10 each time capped at 5 a month was taken, and every entry of
    it refused (monthly_cap_reached); a rule counted in hours may be capped below an hour."""
    rule = api.post(f"/villages/{village.id}/rules", json=RULE, as_=admin)  # 10, capped at 10

    for change in ({"points": 11}, {"monthly_cap": 9}):
        refused = api.request("PATCH", f"/rules/{rule['id']}", json=change, as_=admin, expect=422)
        assert list(refused.get_json()["errors"]) == ["monthly_cap"]
    hours = {**RULE, "code": "xl", "unit": "hour", "points": 4, "monthly_cap": 3}

    assert api.post(f"/villages/{village.id}/rules", json=hours, as_=admin)["monthly_cap"] == 3
    assert [v["points"] for v in api.get(f"/rules/{rule['id']}", as_=admin)["versions"]] == [10]


def test_a_rule_that_awards_cannot_start_deducting(api, admin, catalogue):
    refused = api.request(
        "PATCH", f"/rules/{catalogue.tidy.id}", json={"points": -10}, as_=admin, expect=422
    ).get_json()

    assert "points" in refused["errors"]


def test_an_unknown_rule_is_not_found(api, admin):
    assert api.get("/rules/999999", as_=admin, expect=404)["code"] == "not_found"
