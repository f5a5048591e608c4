"""The dashboard of a township or county: its villages side by side for a month or a year,
from the monthly totals and the shops' balances; the same in the API, the page and xlsx."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from pointsmart.admin.households import mark_moved_away
from pointsmart.counter.settlement import settle_month
from pointsmart.ledger import service as ledger
from pointsmart.periods import previous_periods
from pointsmart.regions import service as regions
from pointsmart.regions.dashboard import region_dashboard
from tests.admin.conftest import Pages
from tests.factories import ROOT


@pytest.fixture
def busy(tree, last):
    """幸福村: 4 households, 3 earned this month (one of them also lost points), one bought
    goods; 河西村: 2 households, 1 earned; both earned last month too."""
    make = tree.make
    homes = [make.household(tree.village) for _ in range(4)]
    away = [make.household(tree.other_village) for _ in range(2)]
    shop = make.shop(tree.village)
    for home, points in zip(homes[:3], (30, 20, 10), strict=True):
        make.award(home, points)
    ledger.deduct(tree.village.id, homes[0].id, 5, category="other")
    ledger.redeem(tree.village.id, homes[0].id, shop.id, 12)
    make.award(away[0], 40)
    make.award(homes[3], 7, period=last)
    make.award(away[1], 9, period=last)
    return homes, away, shop


def test_each_village_of_the_county_for_this_month(ctx, tree, busy, now, last):
    board = region_dashboard(tree.county_admin.principal, tree.county.id, now)

    rows = {row.name: row for row in board.villages}
    assert set(rows) == {"幸福村", "河西村"}
    xingfu, hexi = rows["幸福村"], rows["河西村"]
    assert (xingfu.households, xingfu.active_households) == (4, 3)
    assert str(xingfu.active_share) == "75.0"
    assert (xingfu.points_issued, xingfu.points_deducted, xingfu.points_redeemed) == (60, 5, 12)
    assert str(xingfu.issued_per_household) == "15.0"
    assert xingfu.owed_months == 1  # never settled, its shop took points this month
    assert str(xingfu.owed_yuan) == "1.20"  # 12 points at 0.10 yuan
    assert (hexi.households, hexi.active_households, hexi.points_issued) == (2, 1, 40)
    assert (xingfu.rank, hexi.rank) == (1, 2)
    assert board.totals.points_issued == 100
    assert board.totals.households == 6
    assert [m["period"] for m in board.months][-2:] == [last, now]
    assert board.months[-1]["issued"] == 100
    assert board.months[-2]["issued"] == 16


def test_months_owed_count_from_each_shops_oldest_unpaid_sale(ctx, tree, now):
    """Regression: they counted from the village's first month with any points (awards too)
    and after the latest settlement of any shop: a shop opened in the third month showed
    three months owed, and a shop unpaid for months showed one when another was settled."""
    make = tree.make
    months = previous_periods(now, 4)  # oldest first: now - 3 ... now
    home = make.household(tree.village)
    make.award(home, 500, period=months[0])
    paid, unpaid = make.shop(tree.village), make.shop(tree.village)
    ledger.redeem(tree.village.id, home.id, unpaid.id, 10, period=months[1])
    ledger.redeem(tree.village.id, home.id, paid.id, 10, period=months[2])
    settle_month(ROOT, paid.id, months[2])

    board = region_dashboard(tree.county_admin.principal, tree.county.id, now)

    village = next(row for row in board.villages if row.village_id == tree.village.id)
    assert (village.owed_points, village.owed_months) == (10, 3)
    settle_month(ROOT, unpaid.id, months[1])
    board = region_dashboard(tree.county_admin.principal, tree.county.id, now)
    village = next(row for row in board.villages if row.village_id == tree.village.id)
    assert (village.owed_points, village.owed_months) == (0, 0)


def test_a_year_counts_each_active_household_once(ctx, tree, busy, now, last):
    board = region_dashboard(tree.county_admin.principal, tree.county.id, now[:4])
    if last[:4] != now[:4]:
        pytest.skip("last month belongs to another year")
    rows = {row.name: row for row in board.villages}
    assert rows["幸福村"].active_households == 4
    assert rows["河西村"].points_issued == 49


def test_a_household_that_moved_away_is_not_counted_active(ctx, tree, now):
    """The share of active households is of the households living there now: one that
    earned and then moved away is not among them, so the share never passes 100%."""
    make = tree.make
    shop = make.shop(tree.village)
    stays, leaves = make.household(tree.village), make.household(tree.village)
    make.award(stays, 10)
    make.award(leaves, 20)
    ledger.redeem(tree.village.id, leaves.id, shop.id, 20)
    mark_moved_away(ROOT, leaves.id)

    for period in (now, now[:4]):
        board = region_dashboard(tree.county_admin.principal, tree.township.id, period)
        (row,) = board.villages
        assert (row.households, row.active_households) == (1, 1), period
        assert str(row.active_share) == "100.0"
        assert row.points_issued == 30  # the ledger's points: the household's count too
        assert str(board.totals.active_share) == "100.0"


def test_ties_share_a_rank(ctx, tree, now):
    make = tree.make
    third = make.village(name="三村", region_id=tree.township.id)
    for village in (tree.village, tree.other_village, third):
        make.award(make.household(village), 10)
    board = region_dashboard(tree.county_admin.principal, tree.county.id, now)
    assert [row.rank for row in board.villages] == [1, 1, 1]


def test_villages_that_tie_are_in_the_natural_order_of_their_names(ctx, tree, now):
    """一组村, 二组村, 三组村, 十组村: not the characters' codes (一, 三, 二, 十)."""
    for name in ("十组村", "二组村", "一组村", "三组村"):
        tree.make.village(name=name, region_id=tree.township.id)
    board = region_dashboard(tree.county_admin.principal, tree.township.id, now)
    assert [row.name for row in board.villages][:4] == ["一组村", "二组村", "三组村", "十组村"]


def test_a_countys_villages_are_listed_by_township_in_the_natural_order(ctx, tree):
    """The county's page lists its townships 一镇, 二镇 and their villages in the same order,
    whichever township was made first."""
    county = regions.create_region(ROOT, name="安东县", level="county", parent_id=None)
    second = regions.create_region(ROOT, name="二镇", level="township", parent_id=county.id)
    first = regions.create_region(ROOT, name="一镇", level="township", parent_id=county.id)
    for township, name in ((second, "二镇甲村"), (first, "一镇乙村"), (first, "一镇甲村")):
        tree.make.village(name=name, region_id=township.id)
    assert [t.name for t in regions.townships_of(county)] == ["一镇", "二镇"]
    assert [v.name for v in regions.villages_of(county)] == ["一镇甲村", "一镇乙村", "二镇甲村"]


def test_a_township_dashboard_holds_its_own_villages_only(ctx, tree, busy, now):
    board = region_dashboard(tree.township_admin.principal, tree.township.id, now)
    assert [row.name for row in board.villages] == ["幸福村"]


def test_the_api_answers_in_the_issue_s_shape_and_refuses_outsiders(api, tree, busy, now):
    body = api.get(f"/regions/{tree.county.id}/dashboard?period={now}", as_=tree.county_admin)
    assert body["region"]["id"] == tree.county.id
    assert body["period"] == now
    village = body["villages"][0]
    for key in (
        "village_id",
        "name",
        "township_id",
        "households",
        "active_households",
        "points_issued",
        "points_deducted",
        "points_redeemed",
        "red_entries",
        "black_entries",
        "approvals_pending",
        "objections_open",
        "owed_yuan",
        "rank",
        "flags",
    ):
        assert key in village, key
    assert body["totals"]["points_issued"] == 100
    assert len(body["months"]) == 12

    api.get(f"/regions/{tree.township.id}/dashboard", as_=tree.other_township_admin, expect=403)
    api.get(f"/regions/{tree.county.id}/dashboard", as_=tree.township_admin, expect=403)
    api.get(f"/regions/{tree.county.id}/dashboard", as_=tree.village_admin, expect=403)
    body = api.get(
        f"/regions/{tree.county.id}/dashboard?period=2026-13", as_=tree.county_admin, expect=422
    )
    assert "period" in body["errors"]


def test_the_page_draws_its_chart_on_the_server_and_the_xlsx_has_every_village(
    client, tree, busy, now
):
    pages = Pages(client).as_(tree.county_admin)
    html = pages.get(f"/regions/{tree.county.id}/dashboard?period={now}")
    assert "<svg" in html
    assert "幸福村" in html
    assert "河西村" in html
    assert "<script" not in html

    response = client.get(f"/regions/{tree.county.id}/dashboard.xlsx?period={now}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    names = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert names[:2] == ["幸福村", "河西村"]
    assert len(names) == 3


def test_the_xlsx_of_a_region_named_with_a_slash(client, tree, now):
    """A region's name goes into the sheet's title, where Excel refuses / and : (a 500)."""
    county = tree.county.id
    odd = regions.create_region(ROOT, name="城关镇/东区", level="township", parent_id=county)
    tree.make.village(name="东区村", region_id=odd.id)
    Pages(client).as_(tree.county_admin)
    response = client.get(f"/regions/{odd.id}/dashboard.xlsx?period={now}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [f"城关镇_东区 {now}"]
    assert next(book.active.iter_rows(min_row=2))[1].value == "东区村"
