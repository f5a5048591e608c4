"""Monthly scoring in one go: POST /transfers/batch posts every entry or none, and a refusal
names every bad entry."""

import sqlalchemy as sa

from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.ledger.models import Transfer
from pointsmart.periods import current_period, local_today, previous_periods
from pointsmart.villages.models import Village


def count_transfers(village_id) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Transfer).where(Transfer.village_id == village_id)
    ).scalar_one()


def batch(rule, period, *entries, **fields) -> dict:
    return {
        "period": period,
        "rule_id": rule.id,
        "entries": [{"household_id": h.id, "quantity": q} for h, q in entries],
        **fields,
    }


def test_a_batch_scores_every_household_of_a_grid_for_a_month(
    api, make, village, leader, catalogue
):
    grid = make.grid(village)
    households = [make.household(village, grid=grid) for _ in range(4)]
    last_month = previous_periods(current_period(village.timezone), 2)[0]

    posted = api.post(
        "/transfers/batch",
        json=batch(catalogue.tidy, last_month, *[(h, 1) for h in households]),
        as_=leader,
        key=True,
    )

    assert (posted["count"], posted["points"]) == (4, 40)
    assert [item["household_id"] for item in posted["items"]] == [h.id for h in households]
    assert {item["period"] for item in posted["items"]} == {last_month}
    assert {item["rule_version_id"] for item in posted["items"]} == {catalogue.tidy.version_id}
    for household in households:
        assert api.get(f"/households/{household.id}", as_=leader)["balance"] == 10


def test_one_bad_entry_posts_nothing_and_every_bad_entry_is_named(
    api, make, village, household, neighbour, leader, catalogue
):
    now = current_period(village.timezone)
    moved = make.household(village)
    db.session.get(Household, moved.id).status = "moved_away"
    stranger = make.household(make.village())
    api.post(
        "/transfers",
        json={"household_id": neighbour.id, "rule_id": catalogue.sorting.id, "quantity": 3},
        as_=leader,
        key=True,
    )
    before = count_transfers(village.id)

    refused = api.post(
        "/transfers/batch",
        json=batch(
            catalogue.sorting, now, (household, 1), (neighbour, 1), (moved, 1), (stranger, 1),
            (household, 2),
        ),
        as_=leader,
        key=True,
        expect=409,
    )  # fmt: skip

    assert refused["code"] == "batch_refused"
    bad = {entry["index"]: entry for entry in refused["entries"]}
    assert sorted(bad) == [1, 2, 3, 4]
    assert (bad[1]["code"], bad[1]["remaining"]) == ("monthly_cap_reached", 0)
    assert bad[2]["code"] == "account_closed"
    assert bad[3]["code"] == "not_found"
    assert bad[4]["code"] == "validation_failed"
    assert all(
        bad[i]["household_id"] == h.id for i, h in [(1, neighbour), (2, moved), (3, stranger)]
    )
    assert count_transfers(village.id) == before


def test_a_cap_counts_the_batchs_own_entries(api, village, household, leader, catalogue):
    now = current_period(village.timezone)
    second_rule_entry = {"household_id": household.id, "quantity": 3}

    refused = api.post(
        "/transfers/batch",
        json={
            "period": now,
            "rule_id": catalogue.sorting.id,
            "entries": [second_rule_entry, second_rule_entry],
        },
        as_=leader,
        key=True,
        expect=409,
    )

    assert [e["index"] for e in refused["entries"]] == [1]


def test_an_entry_above_the_approval_threshold_cannot_be_in_a_batch(
    api, village, household, neighbour, leader, catalogue
):
    now = current_period(village.timezone)

    refused = api.post(
        "/transfers/batch",
        json=batch(catalogue.good_daughter, now, (household, 1), (neighbour, 1)),
        as_=leader,
        key=True,
        expect=409,
    )

    assert [e["code"] for e in refused["entries"]] == ["approval_required"] * 2
    assert count_transfers(village.id) == 0


def test_a_batch_over_the_leaders_quota_posts_nothing(
    api, village, household, neighbour, leader, catalogue
):
    db.session.get(Village, village.id).leader_monthly_quota = 15
    now = current_period(village.timezone)

    refused = api.post(
        "/transfers/batch",
        json=batch(catalogue.tidy, now, (household, 1), (neighbour, 1)),
        as_=leader,
        key=True,
        expect=409,
    )

    assert (refused["code"], refused["remaining"]) == ("leader_quota_reached", 15)
    assert count_transfers(village.id) == 0


def test_a_batch_of_deductions_by_a_black_rule(
    api, village, household, neighbour, leader, catalogue
):
    now = current_period(village.timezone)

    posted = api.post(
        "/transfers/batch", json=batch(catalogue.clutter, now, (household, 1), (neighbour, 2)),
        as_=leader, key=True,
    )  # fmt: skip

    assert [i["amount"] for i in posted["items"]] == [-10, -20]
    assert posted["points"] == -30


def test_a_batch_needs_entries_a_rule_and_a_period(api, village, household, leader, catalogue):
    now = current_period(village.timezone)
    one = [{"household_id": household.id, "quantity": 1}]
    for body, field in [
        ({"period": now, "rule_id": catalogue.tidy.id, "entries": []}, "entries"),
        ({"period": now, "entries": one}, "rule_id"),
        ({"rule_id": catalogue.tidy.id, "entries": one}, "period"),
        (
            {"period": now, "rule_id": catalogue.tidy.id, "entries": [{"household_id": 1}]},
            "entries",
        ),
    ]:
        refused = api.post("/transfers/batch", json=body, as_=leader, key=True, expect=422)
        assert field in refused["errors"], (body, refused)


def test_a_batch_is_posted_once_per_key(api, village, household, neighbour, leader, catalogue):
    body = batch(catalogue.tidy, current_period(village.timezone), (household, 1), (neighbour, 1))

    first = api.request("POST", "/transfers/batch", json=body, as_=leader, key="grid-1", expect=201)
    again = api.request("POST", "/transfers/batch", json=body, as_=leader, key="grid-1", expect=201)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count_transfers(village.id) == 2


def test_a_batch_in_another_village_is_forbidden(api, make, village, household, catalogue):
    outsider = make.staff("leader", make.village())

    refused = api.post(
        "/transfers/batch",
        json=batch(catalogue.tidy, current_period(village.timezone), (household, 1)),
        as_=outsider,
        key=True,
        expect=403,
    )

    assert refused["code"] == "forbidden"


# --- once per household, rule and month (issue 15, item 8) -----------------------------------


def test_a_rule_without_a_cap_scores_a_household_once_a_month_whatever_the_key(
    api, village, household, neighbour, leader, admin, catalogue
):
    now = current_period(village.timezone)
    body = batch(catalogue.clutter, now, (household, 1), (neighbour, 1))
    api.post("/transfers/batch", json=body, as_=leader, key="key-a")
    before = count_transfers(village.id)

    refused = api.post("/transfers/batch", json=body, as_=leader, key="key-b", expect=409)

    assert refused["code"] == "batch_refused"
    assert [(e["index"], e["code"]) for e in refused["entries"]] == [
        (0, "already_scored"),
        (1, "already_scored"),
    ]
    assert count_transfers(village.id) == before
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == -10


def test_an_entry_of_the_month_made_on_its_own_counts_as_scored(
    api, village, household, neighbour, leader, catalogue
):
    now = current_period(village.timezone)
    api.post(
        "/transfers", json={"household_id": household.id, "rule_id": catalogue.filial.id,
                            "quantity": 1}, as_=leader, key=True,
    )  # fmt: skip

    refused = api.post(
        "/transfers/batch", json=batch(catalogue.filial, now, (household, 1), (neighbour, 1)),
        as_=leader, key=True, expect=409,
    )  # fmt: skip

    assert [(e["household_id"], e["code"]) for e in refused["entries"]] == [
        (household.id, "already_scored")
    ]


def test_another_month_or_a_reversed_score_may_be_scored(
    api, village, household, leader, admin, catalogue
):
    now = current_period(village.timezone)
    last_month = previous_periods(now, 2)[0]
    first = api.post(
        "/transfers/batch", json=batch(catalogue.clutter, now, (household, 1)), as_=leader,
        key=True,
    )  # fmt: skip
    api.post(
        "/transfers/batch", json=batch(catalogue.clutter, last_month, (household, 1)),
        as_=leader, key=True,
    )  # fmt: skip

    api.post(
        f"/transfers/{first['items'][0]['id']}/reversal", json={"reason": "记错了户"},
        as_=admin, key=True,
    )  # fmt: skip
    again = api.post(
        "/transfers/batch", json=batch(catalogue.clutter, now, (household, 2)), as_=leader,
        key=True,
    )  # fmt: skip

    assert again["points"] == -20


def test_a_capped_rule_allows_more_entries_up_to_its_cap(
    api, village, household, leader, catalogue
):
    now = current_period(village.timezone)  # 垃圾分类: 5 a unit, capped at 15 a month
    api.post("/transfers/batch", json=batch(catalogue.sorting, now, (household, 1)), as_=leader,
             key=True)  # fmt: skip
    api.post("/transfers/batch", json=batch(catalogue.sorting, now, (household, 2)), as_=leader,
             key=True)  # fmt: skip

    refused = api.post(
        "/transfers/batch", json=batch(catalogue.sorting, now, (household, 1)), as_=leader,
        key=True, expect=409,
    )  # fmt: skip

    assert refused["entries"][0]["code"] == "monthly_cap_reached"


def test_attendance_still_pays_a_household_for_every_activity_of_the_month(
    api, village, household, leader, catalogue
):
    today = local_today(village.timezone).isoformat()
    for title in ("清扫村道", "植树"):
        activity = api.post(
            f"/villages/{village.id}/activities",
            json={"title": title, "date": today, "rule_id": catalogue.volunteer.id},
            as_=leader,
        )
        api.post(
            f"/activities/{activity['id']}/attendance",
            json=[{"household_id": household.id, "hours": 2}],
            as_=leader,
            key=True,
        )
