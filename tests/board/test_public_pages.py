"""The public leaderboard page and the service hall's TV page: anyone sees them without signing
in, with household number and head name only, masked when the village asks for it."""

import re

import sqlalchemy as sa

from pointsmart.counter import pins
from pointsmart.counter.models import Product
from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.periods import current_period
from tests.awards.conftest import Browser, catalogue, leader, village  # noqa: F401
from tests.factories import ROOT
from tests.villagers.test_pages import csrf_client, sign_in  # noqa: F401


def rows_of(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def ranked_village(make):
    place = make.village(name="幸福村")
    east = make.grid(place, name="东网格")
    west = make.grid(place, name="西网格")
    first = make.household(place, grid=east, number="A-1", head_name="张小明", phone="13800138001")
    tied = make.household(place, grid=west, number="A-2", head_name="李秀英")
    also_tied = make.household(place, grid=east, number="A-3", head_name="王建国")
    make.household(place, grid=west, number="A-4", head_name="赵")
    make.award(first, 50)
    make.award(tied, 20)
    make.award(also_tied, 20)
    db.session.commit()
    return place, east, west


def test_the_leaderboard_page_ranks_this_month_with_shared_ranks(client, make):
    place, _, _ = ranked_village(make)

    page = client.get(f"/board/{place.id}/leaderboard")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "幸福村积分排行榜" in html
    assert current_period("Asia/Shanghai") in html
    assert rows_of(html) == [
        ["1", "A-1", "张小明", "50"],
        ["2", "A-2", "李秀英", "20"],
        ["2", "A-3", "王建国", "20"],
        ["4", "A-4", "赵", "0"],
    ]
    assert "13800138001" not in html  # number and head name only


def test_points_below_zero_carry_a_real_minus_sign_as_on_the_households_own_page(
    client,
    api,
    make,
    village,  # noqa: F811
    leader,  # noqa: F811
    catalogue,  # noqa: F811
):
    """The board wrote -10 with a hyphen and the leaderboard -10, where the household's own
    page writes −10: points carry their sign the same way everywhere."""
    household = make.household(village, number="B-1", head_name="钱大爷")
    api.post(
        f"/villages/{village.id}/board-entries",
        json={"household_id": household.id, "rule_id": catalogue.clutter.id, "reason": "乱堆"},
        as_=leader,
        key=True,
    )
    db.session.commit()

    board = client.get(f"/board/{village.id}").get_data(as_text=True)
    ranks = rows_of(client.get(f"/board/{village.id}/leaderboard").get_data(as_text=True))

    assert '<td class="minus">\u221210</td>' in board
    assert ["1", "B-1", "钱大爷", "\u221210"] in ranks


def test_one_grid_and_a_whole_year_can_be_chosen(client, make):
    place, east, _ = ranked_village(make)
    year = current_period("Asia/Shanghai")[:4]

    grid_page = client.get(f"/board/{place.id}/leaderboard?grid={east.id}")
    year_page = client.get(f"/board/{place.id}/leaderboard?period={year}")
    last_year = client.get(f"/board/{place.id}/leaderboard?period={int(year) - 1}")

    assert [row[1] for row in rows_of(grid_page.get_data(as_text=True))] == ["A-1", "A-3"]
    assert "东网格" in grid_page.get_data(as_text=True)
    assert rows_of(year_page.get_data(as_text=True))[0] == ["1", "A-1", "张小明", "50"]
    assert f"{year} 年" in year_page.get_data(as_text=True)
    assert [row[3] for row in rows_of(last_year.get_data(as_text=True))] == ["0"] * 4


def test_a_month_older_than_the_choices_is_offered_once_as_the_one_shown(client, make):
    place, _, _ = ranked_village(make)

    old = client.get(f"/board/{place.id}/leaderboard?period=2001-03").get_data(as_text=True)
    recent = client.get(f"/board/{place.id}/leaderboard").get_data(as_text=True)

    assert old.count('value="2001-03"') == 1
    assert 'value="2001-03"' not in recent
    this_month = current_period("Asia/Shanghai")
    assert recent.count(f'value="{this_month}"') == 1


def test_a_bad_period_grid_or_village_is_not_found(client, make):
    place, _, _ = ranked_village(make)
    other = make.village()
    foreign_grid = make.grid(other)
    db.session.commit()

    for query in ["period=2026-13", "period=26", "grid=abc", f"grid={foreign_grid.id}"]:
        assert client.get(f"/board/{place.id}/leaderboard?{query}").status_code == 404, query
    assert client.get("/board/999999/leaderboard").status_code == 404


def test_the_leaderboard_page_masks_names_but_the_household_sees_its_own(
    app,
    csrf_client,  # noqa: F811
    make,
):
    place, _, _ = ranked_village(make)
    first = db.session.execute(
        sa.select(Household).where(Household.village_id == place.id, Household.number == "A-1")
    ).scalar_one()
    pins.set_pin(ROOT, first.id, "135790")
    first.pin_chosen_hash = first.pin_hash
    place.mask_names = True
    db.session.commit()
    sign_in(csrf_client, phone="13800138001")
    own = rows_of(csrf_client.get(f"/board/{place.id}/leaderboard").get_data(as_text=True))
    public = app.test_client().get(f"/board/{place.id}/leaderboard")

    assert [row[2] for row in rows_of(public.get_data(as_text=True))] == [
        "张*明",
        "李*英",
        "王*国",
        "赵",
    ]
    assert [row[2] for row in own] == ["张小明", "李*英", "王*国", "赵"]


def test_the_board_page_masks_names_for_the_public_and_shows_them_to_staff(
    client,
    api,
    make,
    village,  # noqa: F811
    leader,  # noqa: F811
    catalogue,  # noqa: F811
):
    household = make.household(village, head_name="欧阳小明")
    api.post(
        f"/villages/{village.id}/board-entries",
        json={"household_id": household.id, "rule_id": catalogue.filial.id, "reason": "照顾老人"},
        as_=leader,
        key=True,
    )
    village.mask_names = True
    db.session.commit()

    public = client.get(f"/board/{village.id}").get_data(as_text=True)
    staff = Browser(client.application.test_client(), leader).text(f"/board/{village.id}")

    assert "欧*明" in public
    assert "欧阳小明" not in public
    assert "欧阳小明" in staff
    assert f"/board/{village.id}/leaderboard" in public


def test_the_tv_page_shows_every_panel_masked_with_its_rotation_settings(
    client,
    api,
    make,
    village,  # noqa: F811
    leader,  # noqa: F811
    catalogue,  # noqa: F811
):
    good = make.household(village, number="T-1", head_name="张小明")
    bad = make.household(village, number="T-2", head_name="李秀英")
    api.post(
        f"/villages/{village.id}/board-entries",
        json={"household_id": good.id, "rule_id": catalogue.filial.id, "reason": "照顾老人"},
        as_=leader,
        key=True,
    )
    api.post(
        f"/villages/{village.id}/board-entries",
        json={"household_id": bad.id, "rule_id": catalogue.clutter.id, "reason": "私人原因"},
        as_=leader,
        key=True,
    )
    shop = make.shop(village, name="村口小店")
    db.session.add_all(
        [
            Product(shop_id=shop.id, name="大米5斤", points_price=50, stock=3),
            Product(shop_id=shop.id, name="已售完的油", points_price=80, stock=0),
        ]
    )
    village.mask_names = True
    db.session.commit()

    page = client.get(f"/tv/{village.id}?seconds=2")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    for panel in ["panel-top", "panel-red", "panel-black", "panel-goods"]:
        assert f'id="{panel}"' in html
    assert 'data-panel-seconds="2"' in html
    assert 'data-refresh-seconds="300"' in html
    assert re.search(r'src="/static/villager/tv\.[0-9a-f]{12}\.js"', html)
    assert "<script>" not in html
    assert "style=" not in html
    assert "张*明" in html
    assert "李*英" in html
    assert "张小明" not in html
    assert "李秀英" not in html
    assert "孝老爱亲" in html
    assert "乱堆乱放" in html
    assert "私人原因" not in html
    assert "大米5斤" in html
    assert "已售完的油" not in html
    for bad in ["abc", "0", "1000", "9" * 5000, "１"]:
        other = client.get(f"/tv/{village.id}?seconds={bad}")
        assert other.status_code == 200
        assert 'data-panel-seconds="15"' in other.get_data(as_text=True), bad
    assert client.get("/tv/999999").status_code == 404
