"""Leaderboards rank households by points earned minus deducted; ties share a rank."""

import pytest

from pointsmart.board.leaderboard import leaderboard
from pointsmart.errors import NotFound, ValidationFailed
from pointsmart.ledger import service as ledger


@pytest.fixture
def village_of_five(make):
    village = make.village()
    east, west = make.grid(village, "东组"), make.grid(village, "西组")
    households = {
        name: make.household(village, grid=grid, number=number, head_name=name)
        for number, name, grid in [
            ("01", "甲", east),
            ("02", "乙", east),
            ("03", "丙", west),
            ("04", "丁", west),
            ("05", "戊", west),
        ]
    }
    return village, (east, west), households


def ranks(board):
    return [(item["head_name"], item["rank"], item["points"]) for item in board["items"]]


def test_ties_share_a_rank_and_the_next_rank_skips(village_of_five, make):
    village, _, h = village_of_five
    make.award(h["甲"], 30, period="2026-03")
    make.award(h["乙"], 20, period="2026-03")
    make.award(h["丙"], 20, period="2026-03")
    ledger.deduct(village.id, h["戊"].id, 5, category="black", period="2026-03")

    board = leaderboard(village.id, period="2026-03")

    assert ranks(board) == [
        ("甲", 1, 30),
        ("乙", 2, 20),
        ("丙", 2, 20),
        ("丁", 4, 0),  # nothing recorded: 0 points
        ("戊", 5, -5),  # only deductions: below those with nothing
    ]


def test_redemptions_do_not_lower_a_rank(village_of_five, make):
    village, _, h = village_of_five
    shop = make.shop(village)
    make.award(h["甲"], 10)
    make.award(h["乙"], 9)
    ledger.redeem(village.id, h["甲"].id, shop.id, 10)

    board = leaderboard(village.id)

    assert ranks(board)[:2] == [("甲", 1, 10), ("乙", 2, 9)]


def test_a_grid_board_ranks_only_that_grid(village_of_five, make):
    village, (_, west), h = village_of_five
    make.award(h["甲"], 50, period="2026-03")
    make.award(h["丁"], 7, period="2026-03")

    board = leaderboard(village.id, period="2026-03", grid_id=west.id)

    assert ranks(board) == [("丁", 1, 7), ("丙", 2, 0), ("戊", 2, 0)]
    assert board["items"][0]["grid"] == {"id": west.id, "name": "西组"}


def test_a_year_adds_up_its_months(village_of_five, make):
    village, _, h = village_of_five
    make.award(h["乙"], 5, period="2026-01")
    make.award(h["乙"], 5, period="2026-02")
    make.award(h["甲"], 8, period="2026-02")
    make.award(h["甲"], 100, period="2025-12")

    board = leaderboard(village.id, period="2026")

    assert ranks(board)[:2] == [("乙", 1, 10), ("甲", 2, 8)]


def test_an_empty_month_ranks_everyone_first_with_zero(village_of_five):
    village, _, _ = village_of_five

    board = leaderboard(village.id, period="2026-06")

    assert {(rank, points) for _, rank, points in ranks(board)} == {(1, 0)}
    assert len(board["items"]) == 5


def test_a_reversed_award_leaves_the_board_in_the_month_it_is_reversed(village_of_five, make):
    village, _, h = village_of_five
    award = make.award(h["甲"], 10)
    ledger.reverse(award.id, reason="录错")

    assert ranks(leaderboard(village.id))[0][2] == 0


def test_the_rank_on_a_household_page_agrees_with_the_board(village_of_five, make, api):
    village, _, h = village_of_five
    make.award(h["甲"], 3)
    make.award(h["乙"], 3)
    ledger.deduct(village.id, h["丙"].id, 2, category="black")
    admin = make.staff("admin", village)

    board = {item["household_id"]: item["rank"] for item in leaderboard(village.id)["items"]}

    for household in h.values():
        shown = api.get(f"/households/{household.id}", as_=admin)["month"]["rank"]
        assert shown == board[household.id], household.head_name


def test_bad_periods_and_unknown_places_are_refused(village_of_five, make):
    village, _, _ = village_of_five
    for period in ("2026-13", "26", "1999", "2026-1"):
        with pytest.raises(ValidationFailed):
            leaderboard(village.id, period=period)
    with pytest.raises(NotFound):
        leaderboard(10**6)
    other_grid = make.grid(make.village())
    with pytest.raises(NotFound):
        leaderboard(village.id, grid_id=other_grid.id)


def test_the_leaderboard_api_is_public(village_of_five, make, api):
    village, (east, _), h = village_of_five
    make.award(h["乙"], 4, period="2026-02")

    month = api.get(f"/villages/{village.id}/leaderboard?period=2026-02&limit=2")
    grid = api.get(f"/villages/{village.id}/leaderboard?period=2026&grid_id={east.id}")

    assert month["period"] == "2026-02"
    assert [(i["rank"], i["head_name"], i["points"]) for i in month["items"]] == [
        (1, "乙", 4),
        (2, "甲", 0),
    ]
    assert [i["head_name"] for i in grid["items"]] == ["乙", "甲"]
    refused = api.get(f"/villages/{village.id}/leaderboard?period=2026-13", expect=422)
    assert "period" in refused["errors"]
    assert api.get("/villages/999999/leaderboard", expect=404)["code"] == "not_found"
