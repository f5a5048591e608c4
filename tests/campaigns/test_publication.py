"""Publishing a campaign's result: who may take a seat."""

from __future__ import annotations

from pointsmart.admin.households import mark_moved_away
from pointsmart.campaigns.conferral import titles_of
from tests.campaigns.conftest import campaign_body
from tests.campaigns.test_api import balance, nominate, vote
from tests.factories import ROOT


def test_a_household_that_moved_away_before_publication_takes_no_seat(
    api, village, households, admin, leader, council, good_family, today
):
    """The first nominee moved away during the review. It was ranked first and given the one
    seat, the notice named it as selected, and at conferral it was left out unpaid: the
    second nominee, who passed the council too, lost the seat to a household no longer in
    the village, and nobody was conferred."""
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today, seats=1),
        as_=admin,
    )
    gone, stays = (nominate(api, leader, campaign, h) for h in households[:2])
    for member in council:
        vote(api, member, gone)
        vote(api, member, stays, approve=member is not council[0])
    mark_moved_away(ROOT, households[0].id)

    published = api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)

    results = {n["id"]: n for n in published["nominations"]}
    assert (results[gone["id"]]["won"], results[gone["id"]]["rank"]) == (False, None)
    assert results[gone["id"]]["approvals"] == 3  # its tallies are still published
    assert (results[stays["id"]]["won"], results[stays["id"]]["rank"]) == (True, 1)
    conferred = api.post(f"/campaigns/{campaign['id']}/confer", as_=admin, key=True, expect=200)
    assert conferred["posted"] == 1
    assert balance(api, admin, households[1]) == 100
    assert [t["title"] for t in titles_of(households[1].id)] == ["好家庭"]


def test_a_household_that_moved_away_does_not_hold_back_the_publication(
    api, village, households, admin, leader, council, good_family, today
):
    """Its nomination cannot be conferred, so the votes it lacks do not hold back the result
    (``quorum_not_met``) of the households still in the village."""
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today, seats=1, quorum=3),
        as_=admin,
    )
    gone, stays = (nominate(api, leader, campaign, h) for h in households[:2])
    vote(api, council[0], gone)
    for member in council:
        vote(api, member, stays)
    mark_moved_away(ROOT, households[0].id)

    published = api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)

    assert [n["won"] for n in published["nominations"]] == [False, True]
