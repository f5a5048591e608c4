"""Households through the API: registering, searching and reading them; who may do what."""

import pytest

from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.ledger import service as ledger
from pointsmart.periods import current_period


def household_numbers(api, staff, village, query: str = "") -> list[str]:
    page = api.get(f"/villages/{village.id}/households?limit=500{query}", as_=staff)
    return [household["number"] for household in page["items"]]


# --- creating households ---------------------------------------------------------------------


def test_an_admin_registers_a_household_with_its_members(api, make):
    village = make.village()
    grid = make.grid(village, name="三组")
    admin = make.staff("admin", village)

    household = api.post(
        f"/villages/{village.id}/households",
        json={
            "number": "0301",
            "head_name": "刘建国",
            "grid_id": grid.id,
            "phone": "+86 139-1234-5678",  # stored as its digits
            "members": [{"name": "王秀英", "relation": "配偶"}, {"name": "刘小明"}],
        },
        as_=admin,
    )

    assert household["number"] == "0301"
    assert household["head_name"] == "刘建国"
    assert household["village_id"] == village.id
    assert household["grid"] == {"id": grid.id, "name": "三组"}
    assert household["phone"] == "13912345678"
    assert household["status"] == "active"
    assert [(m["name"], m["relation"]) for m in household["members"]] == [
        ("王秀英", "配偶"),
        ("刘小明", ""),
    ]
    assert household["balance"] == 0
    assert household["month"]["earned"] == household["month"]["deducted"] == 0
    assert household["card"] == {"version": 0}
    assert api.get(f"/households/{household['id']}", as_=admin) == household


@pytest.mark.parametrize("who", ["leader", "shopkeeper", "admin of another village"])
def test_only_an_admin_of_the_village_registers_households(api, make, who):
    village, other = make.village(), make.village()
    staff = {
        "leader": lambda: make.staff("leader", village),
        "shopkeeper": lambda: make.staff("shopkeeper", village, make.shop(village)),
        "admin of another village": lambda: make.staff("admin", other),
    }[who]()
    admin = make.staff("admin", village)

    refused = api.post(
        f"/villages/{village.id}/households",
        json={"number": "0001", "head_name": "张三"},
        as_=staff,
        expect=403,
    )

    assert refused["code"] == "forbidden"
    assert household_numbers(api, admin, village) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"number": "TAKEN"}, "number"),
        ({"number": ""}, "number"),
        ({"number": "  "}, "number"),
        ({"number": "1" * 33}, "number"),
        ({"head_name": ""}, "head_name"),
        ({"head_name": "  "}, "head_name"),
        ({"grid_id": "OTHER VILLAGE"}, "grid_id"),
        ({"grid_id": 999999}, "grid_id"),
        ({"grid_id": 2**40}, "grid_id"),
        ({"grid_id": 10**20}, "grid_id"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "23912345678"}, "phone"),
        ({"phone": "139123456789"}, "phone"),
        ({"members": [{"relation": "子"}]}, "members"),
        ({"members": [{"name": "刘小明"}, {"name": "   "}]}, "members"),
        ({"members": "刘小明"}, "members"),
        ({"nickname": "老刘"}, "nickname"),
    ],
)
def test_household_fields_are_validated_and_nothing_is_created(api, make, change, field):
    village, other = make.village(), make.village()
    taken = make.household(village)
    foreign_grid = make.grid(other)
    admin = make.staff("admin", village)
    body = {"number": "0302", "head_name": "刘建国", **change}
    if body["number"] == "TAKEN":
        body["number"] = taken.number
    if body.get("grid_id") == "OTHER VILLAGE":
        body["grid_id"] = foreign_grid.id

    refused = api.post(f"/villages/{village.id}/households", json=body, as_=admin, expect=422)

    assert refused["code"] == "validation_failed"
    assert field in refused["errors"]
    assert household_numbers(api, admin, village) == [taken.number]


def test_two_villages_may_use_the_same_household_number(api, make):
    village, other = make.village(), make.village()
    make.household(other, number="0001")
    admin = make.staff("admin", village)

    household = api.post(
        f"/villages/{village.id}/households",
        json={"number": "0001", "head_name": "张三"},
        as_=admin,
    )

    assert household["village_id"] == village.id


# --- finding households ----------------------------------------------------------------------


@pytest.fixture
def hamlet(make):
    """A village with three households and a household of another village that matches all."""
    village, other = make.village(), make.village()
    east, west = make.grid(village, name="东组"), make.grid(village, name="西组")
    make.household(village, number="A-101", head_name="李大山", grid=east, phone="13800000001")
    make.household(
        village,
        number="A-102",
        head_name="王秀兰",
        grid=east,
        phone="13900000002",
        members=[{"name": "李小山", "relation": "子"}],
    )
    make.household(village, number="B-201", head_name="赵四", grid=west, phone="13700000003")
    make.household(other, number="A-101", head_name="李大山", phone="13800000001")
    return village, east, west


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("", ["A-101", "A-102", "B-201"]),
        ("&q=A-10", ["A-101", "A-102"]),
        ("&q=B-201", ["B-201"]),
        ("&q=王秀兰", ["A-102"]),
        ("&q=大山", ["A-101"]),
        ("&q=李小山", ["A-102"]),
        ("&q=小山", ["A-102"]),
        ("&q=李", ["A-101", "A-102"]),
        ("&q=13900000002", ["A-102"]),
        ("&q=0000003", ["B-201"]),
        ("&q=钱五", []),
        ("&q=%25", []),
        ("&q=_", []),
    ],
)
def test_households_are_found_by_number_head_member_or_phone(api, make, hamlet, query, numbers):
    village, _, _ = hamlet
    leader = make.staff("leader", village)

    assert household_numbers(api, leader, village, query) == numbers


def test_households_are_filtered_by_grid(api, make, hamlet):
    village, east, west = hamlet
    leader = make.staff("leader", village)

    assert household_numbers(api, leader, village, f"&grid_id={east.id}") == ["A-101", "A-102"]
    assert household_numbers(api, leader, village, f"&grid_id={west.id}&q=李") == []


def test_a_search_result_shows_the_balance_and_grid(api, make, hamlet):
    village, east, _ = hamlet
    shopkeeper = make.staff("shopkeeper", village, make.shop(village))
    first = api.get(f"/villages/{village.id}/households?q=A-101", as_=shopkeeper)["items"][0]
    make.award(db.session.get(Household, first["id"]), 7)

    found = api.get(f"/villages/{village.id}/households?q=A-101", as_=shopkeeper)["items"]

    assert [(h["id"], h["balance"]) for h in found] == [(first["id"], 7)]
    assert found[0]["grid"] == {"id": east.id, "name": "东组"}
    assert found[0]["phone"] == "13800000001"
    assert found[0]["head_name"] == "李大山"


def test_households_are_listed_page_by_page(api, make):
    village = make.village()
    leader = make.staff("leader", village)
    created = [make.household(village, number=f"P{i:02d}").id for i in range(5)]

    seen, after, pages = [], None, 0
    while True:
        suffix = f"&after={after}" if after else ""
        page = api.get(f"/villages/{village.id}/households?limit=2{suffix}", as_=leader)
        pages += 1
        seen += [household["id"] for household in page["items"]]
        after = page["next_after"]
        if after is None:
            break
        assert after == page["items"][-1]["id"]

    assert pages == 3
    assert seen == created


def test_a_full_last_page_has_no_next_page(api, make):
    village = make.village()
    leader = make.staff("leader", village)
    for _ in range(2):
        make.household(village)

    page = api.get(f"/villages/{village.id}/households?limit=2", as_=leader)

    assert len(page["items"]) == 2
    assert page["next_after"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=many", "limit"),
        ("after=0", "after"),
        ("after=x", "after"),
        ("grid_id=x", "grid_id"),
        (f"grid_id={2**40}", "grid_id"),
        (f"after={2**40}", "after"),
        (f"after={10**20}", "after"),
        ("q=" + "长" * 51, "q"),
    ],
)
def test_bad_search_parameters_are_refused(api, make, query, field):
    village = make.village()
    leader = make.staff("leader", village)

    refused = api.get(f"/villages/{village.id}/households?{query}", as_=leader, expect=422)

    assert field in refused["errors"]


def test_households_of_another_village_cannot_be_searched(api, make, hamlet):
    village, _, _ = hamlet
    stranger = make.staff("admin", make.village())

    refused = api.get(f"/villages/{village.id}/households", as_=stranger, expect=403)

    assert refused["code"] == "forbidden"


# --- one household ---------------------------------------------------------------------------


def test_a_household_shows_its_balance_and_this_months_figures(api, make):
    village = make.village()
    household = make.household(village)
    shop = make.shop(village)
    leader = make.staff("leader", village)
    make.award(household, 30)
    make.award(household, 100, period="2025-06")
    ledger.deduct(village.id, household.id, 4, category="black")
    ledger.redeem(village.id, household.id, shop.id, 10)

    shown = api.get(f"/households/{household.id}", as_=leader)

    assert shown["balance"] == 116
    month = shown["month"]
    assert (month["earned"], month["deducted"], month["redeemed"]) == (30, 4, 10)
    assert month["rank"] == 1
    assert month["period"] == current_period(village.timezone)
    assert shown["card"] == {"version": 0}


def test_an_unknown_household_is_not_found(api, make):
    admin = make.staff("admin")

    assert api.get("/households/999999", as_=admin, expect=404)["code"] == "not_found"


@pytest.mark.parametrize("who", ["admin", "leader", "shopkeeper"])
def test_staff_of_another_village_cannot_see_a_household(api, make, who):
    village, other = make.village(), make.village()
    household = make.household(village)
    staff = make.staff(who, other, make.shop(other) if who == "shopkeeper" else None)

    refused = api.get(f"/households/{household.id}", as_=staff, expect=403)

    assert refused["code"] == "forbidden"


def test_households_with_equal_points_share_a_rank(api, make):
    village = make.village()
    leader = make.staff("leader", village)
    first, tied, third, idle, undone, penalised = (make.household(village) for _ in range(6))
    make.award(first, 10)
    make.award(tied, 10)
    make.award(third, 4)
    ledger.reverse(make.award(undone, 7).id, reason="录错了")
    ledger.deduct(village.id, penalised.id, 3, category="black")
    make.award(penalised, 50, period="2025-06")  # another month does not count

    ranks = [
        api.get(f"/households/{household.id}", as_=leader)["month"]["rank"]
        for household in (first, tied, third, idle, undone, penalised)
    ]

    # Households with nothing this month have 0 points; a penalty puts a household below them.
    assert ranks == [1, 1, 3, 4, 4, 6]


def test_a_search_in_small_letters_finds_the_same_households_on_every_database(api, make):
    """SQLite's LIKE ignores the case of ASCII letters, PostgreSQL's does not: a number
    typed on a phone's keyboard (``xf-0``) found the households on one and none on the
    other."""
    village = make.village()
    admin = make.staff("admin", village)
    make.household(village, number="XF-001", head_name="Aliya")
    make.household(village, number="XF-002")
    make.household(village, number="0003")

    assert household_numbers(api, admin, village, "&q=xf-0") == ["XF-001", "XF-002"]
    assert household_numbers(api, admin, village, "&q=ALIYA") == ["XF-001"]
