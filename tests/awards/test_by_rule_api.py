"""Awards and deductions by rule through the API: points from the rule version in force,
hours rounded half up and kept, monthly caps, and the refusals."""

import datetime as dt

import pytest

from pointsmart.periods import current_period, local_today, previous_periods
from tests.awards.conftest import add_rule, by_rule, standing


def test_an_award_by_rule_names_the_rule_version_and_keeps_the_quantity(
    api, household, leader, catalogue
):
    posted = api.post(
        "/transfers", json=by_rule(household, catalogue.sorting, 2), as_=leader, key=True
    )

    assert (posted["amount"], posted["kind"], posted["category"]) == (10, "award", "rule")
    assert posted["rule_id"] == catalogue.sorting.id
    assert posted["rule_version_id"] == catalogue.sorting.version_id
    assert posted["quantity"] == 2
    assert posted["posted_by_id"] == leader.user_id
    history = api.get(f"/households/{household.id}/transfers", as_=leader)["items"]
    assert (history[0]["rule_id"], history[0]["rule_version_id"]) == (
        catalogue.sorting.id,
        catalogue.sorting.version_id,
    )


@pytest.mark.parametrize(
    ("hours", "points"),
    [("1", 10), ("2.5", 25), ("0.25", 3), ("0.24", 2), ("1.05", 11), ("0.04", 0), ("4.75", 48)],
)
def test_hours_times_points_per_hour_round_half_up_and_the_hours_are_kept(
    api, village, household, admin, hours, points
):
    rule = add_rule(village, "vol", "志愿服务每小时", "volunteer", 10, unit="hour")
    body = {"household_id": household.id, "rule_id": rule.id, "hours": hours}

    if points == 0:
        refused = api.post("/transfers", json=body, as_=admin, key=True, expect=422)
        assert "quantity" in refused["errors"]
        return
    posted = api.post("/transfers", json=body, as_=admin, key=True)

    assert posted["amount"] == points
    assert posted["quantity"] == float(hours)


def test_a_deduction_by_rule_takes_points_even_below_zero(api, household, leader, catalogue):
    posted = api.post(
        "/transfers", json=by_rule(household, catalogue.burning), as_=leader, key=True
    )

    assert (posted["amount"], posted["kind"], posted["category"]) == (-30, "deduct", "black")
    assert posted["balance_after"] == -30


def test_a_past_month_is_scored_by_the_version_in_force_at_its_end(
    api, village, household, admin, catalogue
):
    last_month = previous_periods(current_period(village.timezone), 2)[0]
    api.request(
        "PATCH", f"/rules/{catalogue.sorting.id}", json={"points": 7}, as_=admin, expect=200
    )

    then = api.post(
        "/transfers", json=by_rule(household, catalogue.sorting, period=last_month), as_=admin,
        key=True,
    )  # fmt: skip
    now = api.post("/transfers", json=by_rule(household, catalogue.sorting), as_=admin, key=True)

    assert (then["amount"], then["rule_version_id"]) == (5, catalogue.sorting.version_id)
    assert now["amount"] == 7
    assert now["rule_version_id"] != catalogue.sorting.version_id


def test_a_version_change_leaves_earlier_transfers_as_they_were(
    api, household, admin, leader, catalogue
):
    first = api.post("/transfers", json=by_rule(household, catalogue.filial), as_=leader, key=True)

    api.request(
        "PATCH", f"/rules/{catalogue.filial.id}", json={"points": 40}, as_=admin, expect=200
    )
    # (By the admin: the leader's 30 and 40 in one day would go over the approval threshold.)
    second = api.post("/transfers", json=by_rule(household, catalogue.filial), as_=admin, key=True)

    history = api.get(f"/households/{household.id}/transfers", as_=admin)["items"]
    assert [(t["id"], t["amount"]) for t in history] == [(second["id"], 40), (first["id"], 30)]
    assert history[1]["rule_version_id"] == first["rule_version_id"] != second["rule_version_id"]
    assert api.get(f"/villages/{household.village_id}/ledger/verify", as_=admin)["ok"] is True


# --- monthly caps ----------------------------------------------------------------------------


def test_a_monthly_cap_refuses_what_would_go_over_and_says_what_remains(
    api, household, leader, admin, catalogue
):
    api.post("/transfers", json=by_rule(household, catalogue.sorting, 2), as_=leader, key=True)
    before = standing(api, admin, household)

    refused = api.post(
        "/transfers", json=by_rule(household, catalogue.sorting, 2), as_=leader, key=True,
        expect=409,
    )  # fmt: skip

    assert refused["code"] == "monthly_cap_reached"
    assert (refused["remaining"], refused["monthly_cap"]) == (5, 15)
    assert standing(api, admin, household) == before
    exactly = api.post(
        "/transfers", json=by_rule(household, catalogue.sorting, 1), as_=leader, key=True
    )
    assert exactly["amount"] == 5
    full = api.post(
        "/transfers", json=by_rule(household, catalogue.sorting), as_=leader, key=True, expect=409
    )
    assert full["remaining"] == 0


def test_a_cap_counts_per_household_and_per_month(
    api, village, household, neighbour, leader, catalogue
):
    last_month = previous_periods(current_period(village.timezone), 2)[0]
    api.post("/transfers", json=by_rule(household, catalogue.tidy), as_=leader, key=True)

    api.post("/transfers", json=by_rule(neighbour, catalogue.tidy), as_=leader, key=True)
    api.post(
        "/transfers", json=by_rule(household, catalogue.tidy, period=last_month), as_=leader,
        key=True,
    )  # fmt: skip


def test_a_reversed_entry_no_longer_counts_against_the_cap(
    api, household, leader, admin, catalogue
):
    first = api.post("/transfers", json=by_rule(household, catalogue.tidy), as_=leader, key=True)
    api.post(f"/transfers/{first['id']}/reversal", json={"reason": "录错户"}, as_=admin, key=True)

    again = api.post("/transfers", json=by_rule(household, catalogue.tidy), as_=leader, key=True)

    assert again["amount"] == 10


def test_a_cap_on_a_deduction_rule_bounds_what_is_taken(api, village, household, admin):
    rule = add_rule(village, "sy", "散养家禽", "black", -5, cap=10)
    api.post("/transfers", json=by_rule(household, rule, 2), as_=admin, key=True)

    refused = api.post("/transfers", json=by_rule(household, rule), as_=admin, key=True, expect=409)

    assert (refused["code"], refused["remaining"]) == ("monthly_cap_reached", 0)


# --- refusals --------------------------------------------------------------------------------


def test_an_inactive_rule_is_refused(api, household, admin, leader, catalogue):
    api.request(
        "PATCH", f"/rules/{catalogue.tidy.id}", json={"active": False}, as_=admin, expect=200
    )

    refused = api.post(
        "/transfers", json=by_rule(household, catalogue.tidy), as_=leader, key=True, expect=409
    )

    assert refused["code"] == "rule_inactive"


def test_a_rule_is_not_used_before_its_first_day(api, village, household, admin):
    rule = add_rule(
        village,
        "new",
        "新规",
        "rule",
        5,
        valid_from=local_today(village.timezone) + dt.timedelta(days=3),
    )

    refused = api.post("/transfers", json=by_rule(household, rule), as_=admin, key=True, expect=409)

    assert refused["code"] == "rule_not_in_force"


def test_a_rule_of_another_village_is_refused(api, make, household, admin):
    other = make.village()
    foreign = add_rule(other, "mqsb", "门前三包", "rule", 10)

    refused = api.post(
        "/transfers", json=by_rule(household, foreign), as_=admin, key=True, expect=422
    )

    assert "rule_id" in refused["errors"]


@pytest.mark.parametrize(
    ("rule_name", "change", "field"),
    [
        ("tidy", {"quantity": 1.5}, "quantity"),
        ("tidy", {"quantity": 0}, "quantity"),
        ("tidy", {"quantity": -1}, "quantity"),
        ("tidy", {"quantity": "many"}, "quantity"),
        ("tidy", {"quantity": 1001}, "quantity"),
        ("tidy", {"quantity": None}, "quantity"),
        ("volunteer", {"quantity": 24.5}, "quantity"),
        ("volunteer", {"quantity": 1.234}, "quantity"),
        ("volunteer", {"quantity": 1, "hours": 1}, "hours"),
        ("tidy", {"points": 5}, "points"),
        ("tidy", {"kind": "award"}, "kind"),
        ("tidy", {"period": "2999-01"}, "period"),
        ("tidy", {"memo": "长" * 501}, "memo"),
    ],
)
def test_a_bad_award_by_rule_is_refused_and_nothing_is_written(
    api, household, leader, admin, catalogue, rule_name, change, field
):
    before = standing(api, admin, household)
    body = {**by_rule(household, getattr(catalogue, rule_name)), **change}

    refused = api.post("/transfers", json=body, as_=leader, key=True, expect=422)

    assert refused["code"] == "validation_failed"
    assert field in refused["errors"]
    assert standing(api, admin, household) == before


def test_a_shopkeeper_does_not_award_by_rule(api, make, village, household, catalogue):
    keeper = make.staff("shopkeeper", village, make.shop(village))

    refused = api.post(
        "/transfers", json=by_rule(household, catalogue.tidy), as_=keeper, key=True, expect=403
    )

    assert refused["code"] == "forbidden"


def test_a_preview_shows_the_points_before_anything_is_posted(
    api, household, leader, admin, catalogue
):
    before = standing(api, admin, household)

    shown = api.get(
        f"/transfers/preview?household_id={household.id}&rule_id={catalogue.volunteer.id}&hours=2.25",
        as_=leader,
    )

    assert (shown["points"], shown["quantity"], shown["cap_remaining"]) == (23, 2.25, 100)
    assert shown["needs_approval"] is False
    assert standing(api, admin, household) == before


def test_a_preview_refuses_a_leader_the_months_saving_would(
    api, village, household, leader, admin, catalogue
):
    """Regression: the preview showed a leader an entry for a month a leader may not enter
    (older than last month, or last month once its 公示 sheet is printed); saving it was
    then refused. An admin, who may correct those months, is shown it."""
    from pointsmart.periods import current_period, previous_periods
    from pointsmart.reports.sheet import mark_printed

    older, last_month = previous_periods(current_period(village.timezone), 3)[:2]
    mark_printed(village.id, last_month)
    ask = (
        f"/transfers/preview?household_id={household.id}&rule_id={catalogue.tidy.id}"
        "&quantity=1&period="
    )

    for period in (older, last_month):
        refused = api.get(ask + period, as_=leader, expect=422)
        assert list(refused["errors"]) == ["period"]
    assert api.get(ask + older, as_=admin)["period"] == older


def test_a_replayed_award_by_rule_posts_once(api, household, leader, admin, catalogue):
    body = by_rule(household, catalogue.sorting)

    first = api.request("POST", "/transfers", json=body, as_=leader, key="same", expect=201)
    again = api.request("POST", "/transfers", json=body, as_=leader, key="same", expect=201)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert standing(api, admin, household)[0] == 5
