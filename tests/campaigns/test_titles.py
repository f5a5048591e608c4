"""The titles a conferral gives (a household's pages, the 光荣榜, the certificates) stand as
long as the award that came with them."""

from __future__ import annotations

from pointsmart.campaigns.board import campaign_board
from pointsmart.campaigns.conferral import honour_names, titles_of
from pointsmart.ledger.verify import verify_village
from tests.campaigns.test_api import balance, published_with_one_winner


def test_a_title_whose_award_the_committee_reversed_is_no_longer_held(
    api, village, households, admin, leader, council, good_family, today
):
    """The committee reversed a winner's conferral award (found out after the notice): the
    household's points went back, but its page, the 光荣榜 on the board and the TV, and the
    certificates still gave it the title."""
    winner = households[0]
    campaign = published_with_one_winner(
        api, village, admin, leader, council, good_family, today, winner
    )
    conferred = api.post(f"/campaigns/{campaign['id']}/confer", as_=admin, key=True, expect=200)
    award = conferred["nominations"][0]["transfer_id"]
    assert titles_of(winner.id) != []

    api.post(f"/transfers/{award}/reversal", json={"reason": "评选材料不实"}, as_=admin, key=True)

    assert balance(api, admin, winner) == 0
    assert titles_of(winner.id) == []
    assert honour_names(campaign["id"]) == []
    assert campaign_board(village.id)["honour"] == []
    assert campaign_board(village.id)["tv_rows"] == []
    assert verify_village(village.id).ok
