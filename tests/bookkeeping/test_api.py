"""A household's history and the village's ledger check, through the API."""

import pytest

from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import GENESIS_HASH


def post(api, staff, household, points, kind="award", category="volunteer", **fields) -> dict:
    body = {"household_id": household.id, "kind": kind, "points": points, "category": category}
    return api.post("/transfers", json={**body, **fields}, as_=staff, key=True)


def reverse(api, staff, transfer_id, reason="录错了") -> dict:
    return api.post(
        f"/transfers/{transfer_id}/reversal", json={"reason": reason}, as_=staff, key=True
    )


# --- history ---------------------------------------------------------------------------------


def test_history_is_newest_first_with_signed_amounts_and_running_balances(api, make):
    village = make.village()
    household = make.household(village)
    shop = make.shop(village)
    admin = make.staff("admin", village)
    award = post(api, admin, household, 30, memo="志愿服务")
    deduction = post(api, admin, household, 5, kind="deduct", category="black")
    redemption = ledger.redeem(village.id, household.id, shop.id, 12)
    reversal = reverse(api, admin, deduction["id"], reason="误扣")

    items = api.get(f"/households/{household.id}/transfers", as_=admin)["items"]

    assert [t["id"] for t in items] == [reversal["id"], redemption.id, deduction["id"], award["id"]]
    assert [t["amount"] for t in items] == [5, -12, -5, 30]
    assert [t["balance_after"] for t in items] == [18, 13, 25, 30]
    assert [t["kind"] for t in items] == ["deduct", "redeem", "deduct", "award"]
    assert items[0]["reverses_id"] == deduction["id"]
    assert items[0]["memo"] == "误扣"
    assert items[2]["reversed_by_id"] == reversal["id"]
    assert items[3]["reversed_by_id"] is None
    assert items[3]["memo"] == "志愿服务"
    assert items[3] == award


def test_history_shows_only_that_households_transfers(api, make):
    village = make.village()
    household, neighbour = make.household(village), make.household(village)
    leader = make.staff("leader", village)
    mine = make.award(household, 3)
    make.award(neighbour, 4)

    items = api.get(f"/households/{household.id}/transfers", as_=leader)["items"]

    assert [(t["id"], t["household_id"]) for t in items] == [(mine.id, household.id)]


def test_history_is_read_page_by_page(api, make):
    village = make.village()
    household = make.household(village)
    shopkeeper = make.staff("shopkeeper", village, make.shop(village))
    posted = [make.award(household, points).id for points in range(1, 6)]

    seen, after, pages = [], None, 0
    while True:
        suffix = f"&after={after}" if after else ""
        page = api.get(f"/households/{household.id}/transfers?limit=2{suffix}", as_=shopkeeper)
        pages += 1
        seen += [t["id"] for t in page["items"]]
        after = page["next_after"]
        if after is None:
            break
        assert after == page["items"][-1]["id"]

    assert pages == 3
    assert seen == posted[::-1]


def test_a_household_without_transfers_has_an_empty_history(api, make):
    village = make.village()
    household = make.household(village)
    leader = make.staff("leader", village)

    assert api.get(f"/households/{household.id}/transfers", as_=leader) == {
        "items": [],
        "next_after": None,
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("after=-1", "after"),
        (f"after={2**63}", "after"),
    ],
)
def test_bad_history_parameters_are_refused(api, make, query, field):
    village = make.village()
    household = make.household(village)
    leader = make.staff("leader", village)

    refused = api.get(f"/households/{household.id}/transfers?{query}", as_=leader, expect=422)

    assert field in refused["errors"]


def test_the_history_of_an_unknown_household_is_not_found(api, make):
    root = make.staff("admin")

    refused = api.get("/households/999999/transfers", as_=root, expect=404)

    assert refused["code"] == "not_found"


@pytest.mark.parametrize("who", ["admin", "leader", "shopkeeper"])
def test_staff_of_another_village_cannot_read_a_households_history(api, make, who):
    village, other = make.village(), make.village()
    household = make.household(village)
    make.award(household, 3)
    staff = make.staff(who, other, make.shop(other) if who == "shopkeeper" else None)

    refused = api.get(f"/households/{household.id}/transfers", as_=staff, expect=403)

    assert refused["code"] == "forbidden"


# --- verify ----------------------------------------------------------------------------------


def test_verify_checks_every_transfer_and_names_the_chain_head(api, make):
    village, other = make.village(), make.village()
    household, elsewhere = make.household(village), make.household(other)
    admin = make.staff("admin", village)
    award = post(api, admin, household, 10)
    post(api, admin, household, 2, kind="deduct", category="rule")
    make.award(elsewhere, 99)
    last = reverse(api, admin, award["id"])

    report = api.get(f"/villages/{village.id}/ledger/verify", as_=admin)

    assert report == {
        "ok": True,
        "transfers_checked": 3,
        "head_hash": last["hash"],
        "first_bad_transfer_id": None,
        "problems": [],
    }


def test_verify_of_an_empty_village_starts_at_the_genesis_hash(api, make):
    village = make.village()
    admin = make.staff("admin", village)

    report = api.get(f"/villages/{village.id}/ledger/verify", as_=admin)

    assert (report["ok"], report["transfers_checked"], report["head_hash"]) == (
        True,
        0,
        GENESIS_HASH,
    )


@pytest.mark.parametrize("who", ["leader", "shopkeeper", "admin of another village"])
def test_only_an_admin_of_the_village_verifies_its_ledger(api, make, who):
    village, other = make.village(), make.village()
    staff = {
        "leader": lambda: make.staff("leader", village),
        "shopkeeper": lambda: make.staff("shopkeeper", village, make.shop(village)),
        "admin of another village": lambda: make.staff("admin", other),
    }[who]()

    refused = api.get(f"/villages/{village.id}/ledger/verify", as_=staff, expect=403)

    assert refused["code"] == "forbidden"


def test_an_admin_of_every_village_verifies_any_village(api, make):
    village = make.village()
    make.award(make.household(village), 4)

    report = api.get(f"/villages/{village.id}/ledger/verify", as_=make.staff("admin"))

    assert (report["ok"], report["transfers_checked"]) == (True, 1)
