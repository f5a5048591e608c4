"""The tree's pages: a county admin adds a township, a village and its admin from the web;
township admins see their own township only."""

from __future__ import annotations

import sqlalchemy as sa

from pointsmart.accounts.models import RoleAssignment, User
from pointsmart.regions.models import Region
from pointsmart.villages.models import Village
from tests.admin.conftest import Pages


def test_a_county_admin_adds_a_township_a_village_and_its_admin(client, tree, db_session):
    pages = Pages(client).as_(tree.county_admin)
    html = pages.get(f"/regions/{tree.county.id}")
    assert "城关镇" in html
    assert "河西乡" in html
    assert "幸福村" in html

    pages.post(f"/regions/{tree.county.id}/townships", {"name": "东关镇"})
    township = db_session.execute(sa.select(Region).where(Region.name == "东关镇")).scalar_one()
    assert township.parent_id == tree.county.id

    pages.get(f"/regions/{tree.county.id}")
    pages.post(
        f"/regions/{tree.county.id}/villages", {"name": "东关村", "region_id": str(township.id)}
    )
    village = db_session.execute(sa.select(Village).where(Village.name == "东关村")).scalar_one()
    assert village.region_id == township.id

    pages.get(f"/regions/{tree.county.id}")
    pages.post(
        f"/regions/{tree.county.id}/village-admins",
        {
            "village_id": str(village.id),
            "username": "dongguan-admin",
            "display_name": "李主任",
            "password": "dongguan-2026",
        },
    )
    user = db_session.execute(sa.select(User).where(User.username == "dongguan-admin")).scalar_one()
    role = db_session.execute(
        sa.select(RoleAssignment).where(RoleAssignment.user_id == user.id)
    ).scalar_one()
    assert (role.role, role.village_id) == ("admin", village.id)


def test_a_refused_form_shows_why_in_chinese_and_keeps_nothing(client, tree, db_session):
    pages = Pages(client).as_(tree.county_admin)
    pages.get(f"/regions/{tree.county.id}")
    html = pages.post(f"/regions/{tree.county.id}/townships", {"name": "城关镇"}, expect=422)
    assert "已有" in html or "存在" in html
    html = pages.post(
        f"/regions/{tree.county.id}/village-admins",
        {"village_id": str(tree.village.id), "username": "x-admin", "password": "short"},
        expect=422,
    )
    assert 'id="admin-password-error"' in html
    assert db_session.execute(sa.select(User).where(User.username == "x-admin")).first() is None


def test_a_township_admin_reads_its_township_and_adds_nothing(client, tree):
    pages = Pages(client).as_(tree.township_admin)
    html = pages.get(f"/regions/{tree.township.id}")
    assert "幸福村" in html
    assert "河西村" not in html
    assert '/villages"' not in html
    assert "village-admins" not in html
    pages.get(f"/regions/{tree.other_township.id}", expect=403)
    pages.get(f"/regions/{tree.county.id}", expect=403)
    pages.post(f"/regions/{tree.county.id}/townships", {"name": "某镇"}, expect=403)


def test_region_staff_read_the_village_reports_but_not_its_admin_pages(client, tree):
    for reader in (tree.county_admin, tree.township_admin):
        pages = Pages(client).as_(reader)
        pages.get(f"/villages/{tree.village.id}/reports")
        pages.get(f"/villages/{tree.village.id}/exports")
        assert client.get(f"/villages/{tree.village.id}/exports/transfers.xlsx").status_code == 200
        pages.get(f"/admin/villages/{tree.village.id}", expect=403)
        pages.get(f"/leader/{tree.village.id}", expect=403)
    Pages(client).as_(tree.township_admin).get(
        f"/villages/{tree.other_village.id}/reports", expect=403
    )


def test_the_home_of_the_tree_lists_my_regions(client, tree):
    html = Pages(client).as_(tree.township_admin).get("/regions")
    assert "城关镇" in html
    assert "安平县" not in html
    Pages(client).as_(tree.village_admin).get("/regions", expect=403)
