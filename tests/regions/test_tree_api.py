"""The administrative tree through the API: counties, townships, villages in townships, and
who may read or make which."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsmart.regions.models import COUNTY, Region
from pointsmart.villages.models import Village


def test_the_global_admin_creates_a_county_and_its_county_admin_a_township(api, tree):
    county = api.post("/regions", json={"name": "新城县", "level": "county"}, as_=tree.global_admin)
    assert county == {
        "id": county["id"],
        "name": "新城县",
        "level": "county",
        "parent_id": None,
        "top3_share_limit": 50,
        "reversal_rate_limit": 10,
    }

    township = api.post(
        "/regions",
        json={"name": "东关镇", "level": "township", "parent_id": tree.county.id},
        as_=tree.county_admin,
    )
    assert township["parent_id"] == tree.county.id
    assert township["level"] == "township"
    assert api.get(f"/regions/{township['id']}", as_=tree.county_admin)["name"] == "东关镇"


def test_a_county_admin_may_not_create_a_county_nor_a_township_elsewhere(api, tree):
    api.post(
        "/regions", json={"name": "新城县", "level": "county"}, as_=tree.county_admin, expect=403
    )
    elsewhere = api.post(
        "/regions", json={"name": "别县", "level": "county"}, as_=tree.global_admin
    )
    api.post(
        "/regions",
        json={"name": "某镇", "level": "township", "parent_id": elsewhere["id"]},
        as_=tree.county_admin,
        expect=403,
    )


def test_a_township_hangs_under_a_county_and_names_are_unique_among_siblings(api, tree):
    body = api.post(
        "/regions",
        json={"name": "某村", "level": "township", "parent_id": tree.township.id},
        as_=tree.global_admin,
        expect=422,
    )
    assert "parent_id" in body["errors"]
    body = api.post(
        "/regions",
        json={"name": "城关镇", "level": "township", "parent_id": tree.county.id},
        as_=tree.county_admin,
        expect=422,
    )
    assert "name" in body["errors"]
    api.post("/regions", json={"name": "x", "level": "city"}, as_=tree.global_admin, expect=422)


def test_a_county_admin_creates_a_village_in_a_township(api, tree, db_session):
    village = api.post(
        "/villages", json={"name": "新村", "region_id": tree.township.id}, as_=tree.county_admin
    )
    assert village["region_id"] == tree.township.id
    assert db_session.get(Village, village["id"]).region_id == tree.township.id
    # Its ledger is open like any village's: the county admin now reads it.
    assert api.get(f"/villages/{village['id']}", as_=tree.county_admin)["name"] == "新村"


def test_villages_go_into_townships_only_and_only_by_their_county(api, tree):
    body = api.post(
        "/villages",
        json={"name": "新村", "region_id": tree.county.id},
        as_=tree.county_admin,
        expect=422,
    )
    assert "region_id" in body["errors"]
    api.post("/villages", json={"name": "新村"}, as_=tree.county_admin, expect=403)
    api.post(
        "/villages",
        json={"name": "新村", "region_id": tree.township.id},
        as_=tree.township_admin,
        expect=403,
    )
    api.post(
        "/villages",
        json={"name": "新村", "region_id": tree.township.id},
        as_=tree.village_admin,
        expect=403,
    )


def test_a_township_admin_reads_its_township_and_villages_only(api, tree):
    me = tree.township_admin
    assert api.get(f"/regions/{tree.township.id}", as_=me)["name"] == "城关镇"
    api.get(f"/regions/{tree.other_township.id}", as_=me, expect=403)
    api.get(f"/regions/{tree.county.id}", as_=me, expect=403)
    assert api.get(f"/villages/{tree.village.id}", as_=me)["name"] == "幸福村"
    api.get(f"/villages/{tree.other_village.id}", as_=me, expect=403)
    api.get(f"/villages/{tree.loose_village.id}", as_=me, expect=403)
    listed = api.get("/villages", as_=me)["items"]
    assert [v["name"] for v in listed] == ["幸福村"]


def test_a_county_admin_reads_every_village_of_the_county(api, tree):
    listed = api.get("/villages", as_=tree.county_admin)["items"]
    assert sorted(v["name"] for v in listed) == ["幸福村", "河西村"]
    assert api.get(f"/regions/{tree.other_township.id}", as_=tree.county_admin)["level"] == (
        "township"
    )
    mine = api.get("/regions", as_=tree.county_admin)["items"]
    assert [r["name"] for r in mine] == ["安平县"]


def test_a_village_admin_reads_no_region(api, tree):
    for region in (tree.county, tree.township):
        api.get(f"/regions/{region.id}", as_=tree.village_admin, expect=403)
        api.get(f"/regions/{region.id}", as_=tree.leader, expect=403)
    api.get("/regions", as_=tree.village_admin, expect=403)


def test_region_staff_read_but_never_award(api, tree):
    household = tree.make.household(tree.village)
    for reader in (tree.county_admin, tree.township_admin):
        api.post(
            "/transfers",
            json={"household_id": household.id, "kind": "award", "points": 5, "category": "other"},
            as_=reader,
            key=True,
            expect=403,
        )
        assert api.get(f"/households/{household.id}", as_=reader)["id"] == household.id
        assert api.get(f"/villages/{tree.village.id}/ledger/verify", as_=reader)["ok"] is True


def test_the_token_tells_a_region_admin_its_region(api, tree, client):
    from pointsmart.accounts.service import describe_user

    roles = describe_user(tree.county_admin.principal)["roles"]
    assert roles == [
        {"role": "county_admin", "village_id": None, "shop_id": None, "region_id": tree.county.id}
    ]


def test_a_region_row_is_a_county_or_a_township_of_one(tree, db_session):
    assert tree.township.parent_id == tree.county.id
    assert db_session.get(Region, tree.county.id).parent_id is None


def test_a_countys_levels_are_whole_numbers_a_fraction_is_refused_not_cut(api, tree):
    path = f"/regions/{tree.county.id}"

    refused = api.request(
        "PATCH", path, json={"top3_share_limit": 1.5}, as_=tree.county_admin, expect=422
    )
    set_ = api.request(
        "PATCH", path, json={"reversal_rate_limit": 12}, as_=tree.county_admin, expect=200
    )

    assert list(refused.get_json()["errors"]) == ["top3_share_limit"]
    assert set_.get_json()["reversal_rate_limit"] == 12
    assert api.get(path, as_=tree.county_admin)["top3_share_limit"] != 1


def test_two_counties_of_one_name_are_never_both_kept(api, tree, db_session):
    """Regression: the check before the insert is all that held counties apart (their parent
    is NULL, and NULLs are never equal in the unique constraint on parent and name): two
    made at once were both kept. The database now refuses the second."""
    twin = Region(name=tree.county.name, level=COUNTY)
    with db_session.begin_nested():
        db_session.add(twin)
        with pytest.raises(sa.exc.IntegrityError):
            db_session.flush()

    refused = api.post(
        "/regions", json={"name": tree.county.name, "level": "county"}, as_=tree.global_admin,
        expect=422,
    )  # fmt: skip
    assert "name" in refused["errors"]
