"""The public red and black board page: anyone sees the month's entries with the household
number and head name, and nothing more about the household."""

from pointsmart.periods import current_period, previous_periods
from tests.awards.conftest import catalogue, household, leader, village  # noqa: F401


def test_the_board_page_shows_the_month_red_and_black_entries_to_anyone(
    api,
    client,
    village,  # noqa: F811
    household,  # noqa: F811
    leader,  # noqa: F811
    catalogue,  # noqa: F811
):
    api.post(
        f"/villages/{village.id}/board-entries",
        json={"household_id": household.id, "rule_id": catalogue.clutter.id, "reason": "私人原因"},
        as_=leader,
        key=True,
    )
    api.post(
        f"/villages/{village.id}/board-entries",
        json={"household_id": household.id, "rule_id": catalogue.filial.id, "reason": "照顾老人"},
        as_=leader,
        key=True,
    )

    page = client.get(f"/board/{village.id}")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "红黑榜" in html
    assert household.number in html
    assert "王建国" in html
    assert "乱堆乱放" in html
    assert "孝老爱亲" in html
    assert "\u221210" in html
    assert "+30" in html
    assert "私人原因" not in html  # no reason text on the public page
    assert leader.username not in html


def test_an_unknown_village_or_a_bad_month_is_not_found(client, village):  # noqa: F811
    assert client.get("/board/999999").status_code == 404
    assert client.get(f"/board/{village.id}?period=2026-13").status_code == 404


def test_the_board_page_lists_every_entry_on_the_board_now_as_the_tv_does(
    api,
    client,
    village,  # noqa: F811
    household,  # noqa: F811
    leader,  # noqa: F811
    catalogue,  # noqa: F811
):
    # A leader may still enter points for last month; the entry made today is on the board
    # from today for the village's days, whatever month its points count in (as on the TV,
    # and open to objections), so the board page without ?period= lists it too.
    last_month = previous_periods(current_period(village.timezone), 2)[0]
    api.post(
        f"/villages/{village.id}/board-entries",
        json={
            "household_id": household.id,
            "rule_id": catalogue.burning.id,
            "reason": "焚烧秸秆",
            "period": last_month,
        },
        as_=leader,
        key=True,
    )

    board = client.get(f"/board/{village.id}").get_data(as_text=True)
    tv = client.get(f"/tv/{village.id}").get_data(as_text=True)

    assert "焚烧秸秆" in tv
    assert "焚烧秸秆" in board
    assert "\u221230" in board
    # A month asked for still lists that month's entries only.
    this_month = client.get(f"/board/{village.id}?period={current_period(village.timezone)}")
    assert "焚烧秸秆" not in this_month.get_data(as_text=True)
    earlier = client.get(f"/board/{village.id}?period={last_month}").get_data(as_text=True)
    assert "焚烧秸秆" in earlier
