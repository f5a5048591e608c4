"""Villages and grids through the API: who may do what, and what they get."""

import pytest


def village_ids(api, staff) -> list[int]:
    return [village["id"] for village in api.get("/villages", as_=staff)["items"]]


def household_numbers(api, staff, village, query: str = "") -> list[str]:
    page = api.get(f"/villages/{village.id}/households?limit=500{query}", as_=staff)
    return [household["number"] for household in page["items"]]


# --- villages --------------------------------------------------------------------------------


def test_an_admin_of_every_village_creates_a_village_with_its_defaults(api, make):
    root = make.staff("admin")

    village = api.post("/villages", json={"name": "  石桥村 "}, as_=root)

    assert village["name"] == "石桥村"
    assert village["timezone"] == "Asia/Shanghai"
    assert village["yuan_per_point"] == "0.10"
    assert village["approval_threshold"] == 50
    assert api.get(f"/villages/{village['id']}", as_=root) == village
    verify = api.get(f"/villages/{village['id']}/ledger/verify", as_=root)
    assert verify["ok"] is True
    assert verify["transfers_checked"] == 0


def test_a_village_is_created_with_the_settings_given(api, make):
    root = make.staff("admin")

    village = api.post(
        "/villages",
        json={
            "name": "乌鲁木齐某村",
            "timezone": "Asia/Urumqi",
            "yuan_per_point": "0.5",
            "approval_threshold": 200,
        },
        as_=root,
    )

    assert (village["timezone"], village["yuan_per_point"], village["approval_threshold"]) == (
        "Asia/Urumqi",
        "0.50",
        200,
    )


def test_a_rate_of_minus_zero_is_kept_as_zero(api, make):
    root = make.staff("admin")

    village = api.post("/villages", json={"name": "零元村", "yuan_per_point": "-0"}, as_=root)

    assert village["yuan_per_point"] == "0.00"


@pytest.mark.parametrize("role", ["village admin", "leader", "shopkeeper"])
def test_only_an_admin_of_every_village_may_create_a_village(api, make, role):
    village = make.village()
    staff = {
        "village admin": lambda: make.staff("admin", village),
        "leader": lambda: make.staff("leader", village),
        "shopkeeper": lambda: make.staff("shopkeeper", village, make.shop(village)),
    }[role]()
    root = make.staff("admin")
    before = village_ids(api, root)

    refused = api.post("/villages", json={"name": "新村"}, as_=staff, expect=403)

    assert refused["code"] == "forbidden"
    assert village_ids(api, root) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "村" * 101}, "name"),
        ({"name": "DUPLICATE"}, "name"),
        ({"name": "火星村", "timezone": "Mars/Olympus_Mons"}, "timezone"),
        # The server's own zone, which may change under the village, and no place's time.
        ({"name": "火星村", "timezone": "localtime"}, "timezone"),
        ({"name": "火星村", "timezone": "Factory"}, "timezone"),
        ({"name": "火星村", "timezone": "posixrules"}, "timezone"),
        ({"name": "火星村", "yuan_per_point": "-0.01"}, "yuan_per_point"),
        ({"name": "火星村", "yuan_per_point": "lots"}, "yuan_per_point"),
        ({"name": "火星村", "yuan_per_point": "0.125"}, "yuan_per_point"),
        ({"name": "火星村", "yuan_per_point": "NaN"}, "yuan_per_point"),
        ({"name": "火星村", "yuan_per_point": "1000.01"}, "yuan_per_point"),
        # Beyond what rounding to the fen can hold: these answered 500 (InvalidOperation).
        ({"name": "火星村", "yuan_per_point": "1e400"}, "yuan_per_point"),
        ({"name": "火星村", "yuan_per_point": 1e300}, "yuan_per_point"),
        ({"name": "火星村", "yuan_per_point": "9" * 30}, "yuan_per_point"),
        ({"name": "火星村", "approval_threshold": 0}, "approval_threshold"),
        ({"name": "火星村", "approval_threshold": 1.5}, "approval_threshold"),  # not cut to 1
        ({"name": "火星村", "approval_threshold": "50"}, "approval_threshold"),
        ({"name": "火星村", "mayor": "张三"}, "mayor"),
    ],
)
def test_village_fields_are_validated_and_nothing_is_created(api, make, body, field):
    existing = make.village()
    root = make.staff("admin")
    if body.get("name") == "DUPLICATE":
        body = {"name": existing.name}
    before = village_ids(api, root)

    refused = api.post("/villages", json=body, as_=root, expect=422)

    assert refused["code"] == "validation_failed"
    assert field in refused["errors"]
    assert village_ids(api, root) == before


def test_staff_see_only_their_own_villages(api, make):
    village_a, village_b = make.village(), make.village()
    admin_a = make.staff("admin", village_a)
    leader_b = make.staff("leader", village_b)
    root = make.staff("admin")

    assert village_ids(api, admin_a) == [village_a.id]
    assert village_ids(api, leader_b) == [village_b.id]
    assert {village_a.id, village_b.id} <= set(village_ids(api, root))
    assert api.get(f"/villages/{village_b.id}", as_=leader_b)["name"] == village_b.name
    assert api.get(f"/villages/{village_b.id}", as_=admin_a, expect=403)["code"] == "forbidden"


def test_an_unknown_village_is_not_found(api, make):
    root = make.staff("admin")

    for path in ("", "/grids", "/households", "/summary", "/ledger/verify"):
        refused = api.get(f"/villages/999999{path}", as_=root, expect=404)
        assert refused["code"] == "not_found", path


# --- grids -----------------------------------------------------------------------------------


def test_an_admin_creates_grids_and_staff_list_them(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    leader = make.staff("leader", village)

    first = api.post(f"/villages/{village.id}/grids", json={"name": "第一村民小组"}, as_=admin)
    second = api.post(f"/villages/{village.id}/grids", json={"name": "第二村民小组"}, as_=admin)

    assert first == {"id": first["id"], "village_id": village.id, "name": "第一村民小组"}
    listed = api.get(f"/villages/{village.id}/grids", as_=leader)
    assert listed == {"items": [first, second], "next_after": None}


def test_villages_and_grids_are_listed_a_page_at_a_time(api, make):
    root = make.staff("admin")
    villages = [make.village() for _ in range(3)]
    grids = [make.grid(villages[0]) for _ in range(3)]

    first = api.get("/villages?limit=2", as_=root)
    rest = api.get(f"/villages?limit=2&after={first['next_after']}", as_=root)
    grid_page = api.get(f"/villages/{villages[0].id}/grids?limit=2", as_=root)
    grid_rest = api.get(
        f"/villages/{villages[0].id}/grids?limit=2&after={grid_page['next_after']}", as_=root
    )

    listed = [v["id"] for v in first["items"] + rest["items"]]
    assert [v.id for v in villages] == listed[-3:]
    assert len(first["items"]) == 2
    assert rest["next_after"] is None
    assert [g["id"] for g in grid_page["items"] + grid_rest["items"]] == [g.id for g in grids]
    assert grid_rest["next_after"] is None
    api.get("/villages?limit=0", as_=root, expect=422)
    api.get("/villages?limit=501", as_=root, expect=422)


@pytest.mark.parametrize("who", ["leader", "shopkeeper", "admin of another village"])
def test_only_an_admin_of_the_village_creates_grids(api, make, who):
    village, other = make.village(), make.village()
    staff = {
        "leader": lambda: make.staff("leader", village),
        "shopkeeper": lambda: make.staff("shopkeeper", village, make.shop(village)),
        "admin of another village": lambda: make.staff("admin", other),
    }[who]()
    admin = make.staff("admin", village)

    refused = api.post(
        f"/villages/{village.id}/grids", json={"name": "一组"}, as_=staff, expect=403
    )

    assert refused["code"] == "forbidden"
    assert api.get(f"/villages/{village.id}/grids", as_=admin)["items"] == []


def test_grids_of_another_village_are_hidden(api, make):
    village, other = make.village(), make.village()
    make.grid(other)
    admin = make.staff("admin", village)

    refused = api.get(f"/villages/{other.id}/grids", as_=admin, expect=403)

    assert refused["code"] == "forbidden"


@pytest.mark.parametrize(("name", "field"), [("", "name"), ("  ", "name"), ("TAKEN", "name")])
def test_a_grid_needs_a_new_name(api, make, name, field):
    village = make.village()
    taken = make.grid(village)
    admin = make.staff("admin", village)

    refused = api.post(
        f"/villages/{village.id}/grids",
        json={"name": taken.name if name == "TAKEN" else name},
        as_=admin,
        expect=422,
    )

    assert field in refused["errors"]
    assert len(api.get(f"/villages/{village.id}/grids", as_=admin)["items"]) == 1


def test_two_villages_may_have_grids_of_the_same_name(api, make):
    village, other = make.village(), make.village()
    make.grid(other, name="一组")
    admin = make.staff("admin", village)

    grid = api.post(f"/villages/{village.id}/grids", json={"name": "一组"}, as_=admin)

    assert grid["village_id"] == village.id
