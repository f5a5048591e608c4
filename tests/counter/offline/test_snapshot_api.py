"""GET /shops/<id>/offline-snapshot: what the counter keeps to sell without network."""

from __future__ import annotations

from pointsmart.households.cards import issue_card


def test_the_snapshot_holds_households_goods_and_the_offline_limit(api, counter):
    snapshot = api.get(f"/shops/{counter.shop.id}/offline-snapshot", as_=counter.keeper)

    assert snapshot["offline_limit"] == 50
    assert snapshot["pin_required_above"] is None
    assert snapshot["households"] == [
        {
            "id": counter.household.id,
            "number": "XF-001",
            "name": "王*国",
            "card_version": 1,
            "balance": 300,
        }
    ]
    assert sorted((g["name"], g["points_price"], g["stock"]) for g in snapshot["goods"]) == [
        ("大米 5kg", 250, 2),
        ("香皂", 20, 10),
    ]
    assert snapshot["etag"]


def test_an_unchanged_snapshot_is_a_short_304_and_a_sale_changes_it(api, counter):
    path = f"/shops/{counter.shop.id}/offline-snapshot"
    first = api.request("GET", path, as_=counter.keeper, expect=200)
    etag = first.headers["ETag"]

    same = api.request("GET", path, as_=counter.keeper, expect=304, headers={"If-None-Match": etag})
    api.post("/redemptions", json=counter.sale((counter.soap, 1)), as_=counter.keeper, key=True)
    changed = api.request(
        "GET", path, as_=counter.keeper, expect=200, headers={"If-None-Match": etag}
    )

    assert same.data == b""
    assert changed.get_json()["households"][0]["balance"] == 280


def test_a_reissued_card_shows_its_new_version(api, counter):
    issue_card(counter.household.id)

    snapshot = api.get(f"/shops/{counter.shop.id}/offline-snapshot", as_=counter.keeper)

    assert snapshot["households"][0]["card_version"] == 2


def test_households_that_moved_away_are_left_out(api, counter):
    gone = counter.make.household(counter.village, number="XF-002")
    gone.status = "moved_away"

    snapshot = api.get(f"/shops/{counter.shop.id}/offline-snapshot", as_=counter.keeper)

    assert [h["id"] for h in snapshot["households"]] == [counter.household.id]


def test_only_the_shops_keeper_takes_the_snapshot(api, counter):
    other = counter.make.staff("shopkeeper", counter.village, counter.make.shop(counter.village))

    api.get(f"/shops/{counter.shop.id}/offline-snapshot", as_=other, expect=403)
    api.get(f"/shops/{counter.shop.id}/offline-snapshot", as_=None, expect=401)
