"""A campaign of a township (or county), open to every village under it: its admins set it
up with the points each winner gets, each village's leaders nominate their own households,
a council of the township's and villages' staff votes, the township publishes, and conferral
pays each winner in its own village's ledger, once."""

from __future__ import annotations

import pytest

from pointsmart.accounts.auth import COMMAND_LINE
from pointsmart.campaigns import conferral
from pointsmart.campaigns.board import campaign_board
from pointsmart.campaigns.conferral import titles_of
from pointsmart.campaigns.models import Campaign
from pointsmart.extensions import db
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import local_today
from pointsmart.rules.models import Rule, RuleVersion
from tests.campaigns.conftest import with_token
from tests.campaigns.test_api import balance, vote
from tests.conftest import count_rows
from tests.regions.conftest import tree  # noqa: F401 - the county, its townships and staff


@pytest.fixture
def township(tree):  # noqa: F811
    """The township 城关镇 with two villages, a leader and two households in each."""
    world = tree
    make = world.make
    second = make.village(name="东风村", region_id=world.township.id)
    villages = [world.village, second]
    return {
        "tree": world,
        "villages": villages,
        "leaders": [world.leader, make.staff("leader", second)],
        "households": [
            [with_token(make.household(v, head_name=name)) for name in names]
            for v, names in zip(villages, (["王建国", "李秀英"], ["张桂兰", "赵德明"]), strict=True)
        ],
    }


def body(council, today, **changes) -> dict:
    return {
        "title": "十星级文明户",
        "points": 80,
        "seats": 2,
        "nominate_from": today.isoformat(),
        "nominate_until": today.isoformat(),
        "review_until": today.isoformat(),
        "notice_days": 0,
        "quorum": 2,
        "council": [member.user_id for member in council],
        **changes,
    }


def nominate(api, staff, campaign, household, expect=201):
    return api.post(
        f"/campaigns/{campaign['id']}/nominations",
        json={"household_id": household.id, "reason": "孝老爱亲，热心公益"},
        as_=staff,
        expect=expect,
    )


def run_to_publication(api, township, **changes) -> tuple[dict, list]:
    """The township admin sets up a one-day campaign; each village's leader nominates one
    household of its own; the council (the township admin and both leaders) approves both."""
    world = township["tree"]
    council = [world.township_admin, *township["leaders"]]
    today = local_today(world.village.timezone)
    path = f"/regions/{world.township.id}/campaigns"
    campaign = api.post(path, json=body(council, today, **changes), as_=world.township_admin)
    winners = [township["households"][0][0], township["households"][1][0]]
    nominations = [
        nominate(api, leader, campaign, household)
        for leader, household in zip(township["leaders"], winners, strict=True)
    ]
    for member in council:
        for nomination in nominations:
            vote(api, member, nomination)
    api.post(f"/campaigns/{campaign['id']}/publish", as_=world.township_admin, expect=200)
    return campaign, winners


def test_a_township_campaign_runs_from_nomination_to_conferral_across_two_villages(api, township):
    world = township["tree"]
    campaign, winners = run_to_publication(api, township)
    assert (campaign["region_id"], campaign["village_id"]) == (world.township.id, None)
    assert campaign["points"] == 80

    conferred = api.post(
        f"/campaigns/{campaign['id']}/confer", as_=world.township_admin, key=True, expect=200
    )

    assert conferred["posted"] == 2
    for village, winner, loser in zip(
        township["villages"], winners, [hs[1] for hs in township["households"]], strict=True
    ):
        admin = world.make.staff("admin", village)
        assert (balance(api, admin, winner), balance(api, admin, loser)) == (80, 0)
        transfer = db.session.get(
            Transfer,
            next(
                n["transfer_id"] for n in conferred["nominations"] if n["household_id"] == winner.id
            ),
        )
        assert transfer.village_id == village.id
        rule = db.session.get(Rule, db.session.get(RuleVersion, transfer.rule_version_id).rule_id)
        assert (rule.village_id, rule.active, rule.code) == (
            village.id,
            False,
            f"campaign-{campaign['id']}",
        )
        assert titles_of(winner.id)[0]["title"] == "十星级文明户"
        honour = campaign_board(village.id)["honour"]
        assert {w["household_id"] for w in honour[0]["winners"]} == {w.id for w in winners}
        assert verify_village(village.id).ok
    assert campaign["id"] in [
        item["id"]
        for item in api.get(f"/villages/{world.village.id}/campaigns", as_=winners[0])["items"]
    ]


def test_conferring_a_township_campaign_twice_posts_once(api, township):
    world = township["tree"]
    campaign, _ = run_to_publication(api, township)
    path = f"/campaigns/{campaign['id']}/confer"
    first = api.post(path, as_=world.township_admin, key="k1", expect=200)
    transfers, rules = count_rows(Transfer), count_rows(Rule)

    again = api.post(path, as_=world.county_admin, key="k2", expect=200)

    assert (first["posted"], again["posted"]) == (2, 0)
    assert (count_rows(Transfer), count_rows(Rule)) == (transfers, rules)
    for village in township["villages"]:
        assert verify_village(village.id).ok


def test_a_leader_nominates_households_of_their_own_village_only(api, township):
    world = township["tree"]
    today = local_today(world.village.timezone)
    campaign = api.post(
        f"/regions/{world.township.id}/campaigns",
        json=body([world.township_admin, *township["leaders"]], today),
        as_=world.township_admin,
    )
    other_village_household = township["households"][1][0]
    refused = nominate(api, township["leaders"][0], campaign, other_village_household, expect=403)
    outside = with_token(world.make.household(world.other_village))
    not_open = nominate(api, world.township_admin, campaign, outside, expect=422)

    assert refused["status"] == 403
    assert "household_id" in not_open["errors"]
    assert api.get(f"/campaigns/{campaign['id']}", as_=outside, expect=404)


def test_only_the_region_s_admins_set_up_its_campaigns(api, township):
    world = township["tree"]
    today = local_today(world.village.timezone)
    council = [world.township_admin, *township["leaders"]]
    path = f"/regions/{world.township.id}/campaigns"
    campaigns = count_rows(Campaign)

    village_admin = api.post(path, json=body(council, today), as_=world.village_admin, expect=403)
    other_township = api.post(
        path, json=body(council, today), as_=world.other_township_admin, expect=403
    )

    assert village_admin["status"] == other_township["status"] == 403
    assert count_rows(Campaign) == campaigns
    by_county = api.post(path, json=body(council, today), as_=world.county_admin, expect=201)
    assert by_county["region_id"] == world.township.id


def test_the_council_is_staff_of_the_region_or_its_villages(api, township):
    world = township["tree"]
    today = local_today(world.village.timezone)
    outsider = world.make.staff("leader", world.other_village)
    refused = api.post(
        f"/regions/{world.township.id}/campaigns",
        json=body([world.township_admin, outsider], today),
        as_=world.township_admin,
        expect=422,
    )
    assert "council" in refused["errors"]


def test_a_board_masks_a_winner_whose_own_village_masks_names(api, township):
    world = township["tree"]
    campaign, _ = run_to_publication(api, township)
    api.post(f"/campaigns/{campaign['id']}/confer", as_=world.township_admin, key=True, expect=200)
    first, second = township["villages"]
    second.mask_names = True
    db.session.flush()

    on_first = campaign_board(first.id)["honour"][0]["winners"]
    on_second = campaign_board(second.id)["honour"][0]["winners"]

    assert sorted(w["head_name"] for w in on_first) == ["张*兰", "王建国"]
    assert sorted(w["head_name"] for w in on_second) == ["张*兰", "王*国"]


def test_the_command_line_confers_a_township_campaign(api, township):
    campaign, winners = run_to_publication(api, township)

    _, posted = conferral.confer(COMMAND_LINE, campaign["id"])

    assert posted == 2
    assert [titles_of(w.id)[0]["title"] for w in winners] == ["十星级文明户"] * 2


def test_an_objection_in_one_village_is_upheld_by_the_township_and_removes_its_nominee(
    api, township, clock
):
    world = township["tree"]
    campaign, winners = run_to_publication(api, township, notice_days=3)
    second_village = township["villages"][1]
    notices = campaign_board(second_village.id)["notices"]
    assert {w["household_id"] for w in notices[0]["winners"]} == {w.id for w in winners}
    nominated = {n["household_id"]: n["id"] for n in api.get(
        f"/campaigns/{campaign['id']}", as_=world.township_admin)["nominations"]}  # fmt: skip
    objector = township["households"][1][1]
    objection = api.post(
        f"/nominations/{nominated[winners[1].id]}/objections",
        json={"reason": "他家去年焚烧秸秆"},
        as_=objector,
    )
    listed = api.get(f"/campaigns/{campaign['id']}/objections", as_=world.township_admin)
    assert [o["id"] for o in listed["items"]] == [objection["id"]]

    api.post(
        f"/campaign-objections/{objection['id']}/decision",
        json={"uphold": True, "reason": "经核实属实"},
        as_=world.township_admin,
        expect=200,
    )
    clock(3)
    path = f"/campaigns/{campaign['id']}/confer"
    conferred = api.post(path, as_=world.township_admin, key=True, expect=200)

    assert conferred["posted"] == 1
    assert titles_of(winners[0].id)[0]["title"] == "十星级文明户"
    assert titles_of(winners[1].id) == []


def test_a_household_of_another_village_of_the_township_objects_to_a_winner(api, township):
    """Households of every village under the region object (docs/api.md), and each village's
    notice board shows every winner; a household of the second village objecting to the
    first village's winner was answered 404 (no such nomination)."""
    world = township["tree"]
    campaign, winners = run_to_publication(api, township, notice_days=3)
    nominated = {n["household_id"]: n["id"] for n in api.get(
        f"/campaigns/{campaign['id']}", as_=world.township_admin)["nominations"]}  # fmt: skip
    objector = township["households"][1][1]  # of the second village
    second_admin = world.make.staff("admin", township["villages"][1])
    filed_for = township["households"][1][0]

    objection = api.post(
        f"/nominations/{nominated[winners[0].id]}/objections",
        json={"reason": "他家去年焚烧秸秆"},
        as_=objector,
    )
    filed = api.post(
        f"/nominations/{nominated[winners[0].id]}/objections",
        json={"reason": "邻里有争议", "household_id": filed_for.id},
        as_=second_admin,
    )

    assert (objection["household_id"], objection["village_id"]) == (
        objector.id,
        township["villages"][0].id,
    )
    assert (filed["household_id"], filed["filed_by_id"]) == (filed_for.id, second_admin.user_id)
    listed = api.get(f"/campaigns/{campaign['id']}/objections", as_=world.township_admin)
    assert [o["id"] for o in listed["items"]] == [objection["id"], filed["id"]]


def test_a_household_outside_the_township_does_not_object(api, township):
    world = township["tree"]
    campaign, winners = run_to_publication(api, township, notice_days=3)
    nominated = {n["household_id"]: n["id"] for n in api.get(
        f"/campaigns/{campaign['id']}", as_=world.township_admin)["nominations"]}  # fmt: skip
    elsewhere = world.make.village(name="外村")
    outsider = with_token(world.make.household(elsewhere, head_name="孙强"))
    outside_admin = world.make.staff("admin", elsewhere)
    path = f"/nominations/{nominated[winners[0].id]}/objections"

    api.post(path, json={"reason": "不服"}, as_=outsider, expect=404)
    refused = api.post(
        path, json={"reason": "不服", "household_id": outsider.id}, as_=outside_admin, expect=403
    )

    assert refused["code"] == "forbidden"


def test_the_township_records_a_winner_s_decline_and_strangers_may_not(api, township):
    """Regression: only the nominee's village admin could record a decline, so the township
    running the campaign (who hears of it first) was refused (403)."""
    world = township["tree"]
    campaign, winners = run_to_publication(api, township, notice_days=3)
    nominated = {n["household_id"]: n["id"] for n in api.get(
        f"/campaigns/{campaign['id']}", as_=world.township_admin)["nominations"]}  # fmt: skip
    stranger = world.make.staff("admin", world.make.village())

    api.post(f"/nominations/{nominated[winners[1].id]}/decline", as_=stranger, expect=403)
    api.post(f"/nominations/{nominated[winners[1].id]}/decline", as_=township["leaders"][1],
             expect=403)  # fmt: skip
    declined = api.post(
        f"/nominations/{nominated[winners[1].id]}/decline", as_=world.township_admin, expect=200
    )

    assert declined["status"] == "declined"
