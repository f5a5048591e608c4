"""The public red and black board page: anyone sees the month's entries with the household
number and head name, and nothing more about the household."""

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
    assert "-10" in html
    assert "+30" in html
    assert "私人原因" not in html  # no reason text on the public page
    assert leader.username not in html


def test_an_unknown_village_or_a_bad_month_is_not_found(client, village):  # noqa: F811
    assert client.get("/board/999999").status_code == 404
    assert client.get(f"/board/{village.id}?period=2026-13").status_code == 404
