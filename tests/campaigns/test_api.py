"""A campaign (评选) through the API: set up, nominate, the council votes, publish, object
during the notice, confer. Each refusal leaves the campaign as it was."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from pointsmart.accounts.models import RoleAssignment
from pointsmart.admin.households import mark_moved_away
from pointsmart.admin.staff import revoke_role
from pointsmart.audit.service import changes_of
from pointsmart.campaigns import conferral
from pointsmart.campaigns.conferral import titles_of
from pointsmart.extensions import db
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from tests.audit.test_api_changes_are_audited import _last as last_audit_entry
from tests.campaigns.conftest import campaign_body
from tests.conftest import count_rows
from tests.factories import ROOT


def balance(api, staff, household) -> int:
    return api.get(f"/households/{household.id}", as_=staff)["balance"]


def nominate(api, staff, campaign, household, reason="孝敬老人，邻里和睦", expect=201):
    return api.post(
        f"/campaigns/{campaign['id']}/nominations",
        json={"household_id": household.id, "reason": reason},
        as_=staff,
        expect=expect,
    )


def vote(api, member, nomination, approve=True, note="", expect=201):
    return api.post(
        f"/nominations/{nomination['id']}/votes",
        json={"approve": approve, "note": note},
        as_=member,
        expect=expect,
    )


def give_beans(api, household, campaign, beans, expect=201):
    return api.post(
        f"/campaigns/{campaign['id']}/beans",
        json={"beans": {str(nomination["id"]): count for nomination, count in beans}},
        as_=household,
        expect=expect,
    )


def test_a_campaign_runs_from_nomination_to_conferral_in_one_day(
    api, village, households, admin, leader, council, good_family, today
):
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today),
        as_=admin,
    )
    assert campaign["stage"] == "nomination"
    first, second, third = (nominate(api, leader, campaign, h) for h in households[:3])
    # 3 for the first, 2 of 3 for the second, 1 of 3 for the third (no majority).
    for member, sides in zip(council, [(1, 1, 1), (1, 1, 0), (1, 0, 0)], strict=True):
        for nomination, approve in zip((first, second, third), sides, strict=True):
            vote(api, member, nomination, approve=bool(approve), note="好")

    published = api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)

    assert published["stage"] == "ready"  # no notice days: ready to confer at once
    results = {n["household_id"]: n for n in published["nominations"]}
    assert [(results[h.id]["approvals"], results[h.id]["rank"], results[h.id]["won"])
            for h in households[:3]] == [(3, 1, True), (2, 2, True), (1, None, False)]  # fmt: skip
    assert changes_of(last_audit_entry("campaign.publish"))["winners"] == [
        households[0].id,
        households[1].id,
    ]
    conferred = api.post(f"/campaigns/{campaign['id']}/confer", as_=admin, key=True, expect=200)

    assert conferred["posted"] == 2
    assert [balance(api, admin, h) for h in households[:3]] == [100, 100, 0]
    assert titles_of(households[0].id)[0]["title"] == "好家庭"
    assert titles_of(households[2].id) == []
    assert verify_village(village.id).ok


def published_with_one_winner(api, village, admin, leader, council, rule, today, winner):
    """A one-day campaign whose whole council approves ``winner``'s nomination, published."""
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(rule, council, today, quorum=3),
        as_=admin,
    )
    nomination = nominate(api, leader, campaign, winner)
    for member in council:
        vote(api, member, nomination)
    api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)
    return campaign


def test_a_title_is_of_the_village_s_year_not_the_utc_one(
    api, village, households, admin, leader, council, good_family, today, monkeypatch
):
    """Conferred at 00:30 on New Year's Day in Shanghai, still December 31 in UTC: the title
    and the 光荣榜 say the new year, as the certificate (奖状) does."""
    new_year = dt.datetime(2027, 1, 1, 0, 30, tzinfo=ZoneInfo(village.timezone))
    monkeypatch.setattr(conferral, "utcnow", lambda: new_year.astimezone(dt.UTC))
    campaign = published_with_one_winner(
        api, village, admin, leader, council, good_family, today, households[0]
    )
    api.post(f"/campaigns/{campaign['id']}/confer", as_=admin, key=True, expect=200)

    assert [t["year"] for t in titles_of(households[0].id)] == [2027]
    assert [entry["year"] for entry in conferral.honour_roll(village.id)] == [2027]


def test_a_rule_retired_since_the_campaign_was_set_up_still_pays_the_winner(
    api, village, households, admin, leader, council, good_family, today
):
    """Regression: conferral was refused (rule_inactive), and the committee had to bring the
    rule back for everyone's use (awards by hand too) to pay what the council decided."""
    campaign = published_with_one_winner(
        api, village, admin, leader, council, good_family, today, households[0]
    )
    api.request("PATCH", f"/rules/{good_family.id}", json={"active": False}, as_=admin,
                expect=200)  # fmt: skip

    conferred = api.post(f"/campaigns/{campaign['id']}/confer", as_=admin, key=True, expect=200)

    assert conferred["posted"] == 1
    assert balance(api, admin, households[0]) == 100
    by_hand = api.post(
        "/transfers",
        json={"household_id": households[1].id, "rule_id": good_family.id, "quantity": 1},
        as_=admin, key=True, expect=409,
    )  # fmt: skip
    assert by_hand["code"] == "rule_inactive"
    assert verify_village(village.id).ok


def test_conferring_twice_posts_once(
    api, village, households, admin, leader, council, good_family, today
):
    campaign = published_with_one_winner(
        api, village, admin, leader, council, good_family, today, households[0]
    )
    first = api.post(f"/campaigns/{campaign['id']}/confer", as_=admin, key="k1", expect=200)
    transfers = count_rows(Transfer)

    replayed = api.request("POST", f"/campaigns/{campaign['id']}/confer", as_=admin, key="k1",
                           expect=200)  # fmt: skip
    again = api.post(f"/campaigns/{campaign['id']}/confer", as_=admin, key="k2", expect=200)

    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert (first["posted"], again["posted"]) == (1, 0)
    assert count_rows(Transfer) == transfers
    assert balance(api, admin, households[0]) == 100
    assert verify_village(village.id).ok


def test_quorum_not_met_refuses_to_publish(
    api, village, households, admin, leader, council, good_family, today, clock
):
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today, quorum=3,
                           review_until=(today + dt.timedelta(days=2)).isoformat()),
        as_=admin,
    )  # fmt: skip
    nomination = nominate(api, leader, campaign, households[0])
    vote(api, council[0], nomination)
    vote(api, council[1], nomination)
    refused = api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=409)
    assert refused["code"] == "campaign_window_closed"  # review open, a vote missing

    clock(3)  # the review window is over, one member never voted
    refused = api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=409)

    assert refused["code"] == "quorum_not_met"
    assert refused["nominations"] == [nomination["id"]]
    shown = api.get(f"/campaigns/{campaign['id']}", as_=admin)
    assert shown["published_at"] is None
    assert shown["stage"] == "counting"


def test_a_member_does_not_vote_on_their_own_household(
    api, village, households, admin, leader, council, good_family, today
):
    members = [{"user_id": council[0].user_id, "household_id": households[0].id}]
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council[1:], today, council_members=members),
        as_=admin,
    )
    own = nominate(api, leader, campaign, households[0])
    other = nominate(api, leader, campaign, households[1])

    refused = vote(api, council[0], own, expect=403)
    vote(api, council[0], other)

    assert refused["code"] == "own_household"
    for member in council[1:]:
        vote(api, member, own)
        vote(api, member, other)
    # Everyone voted on everything they may vote on: publishing is allowed today.
    published = api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)
    assert [n["approvals"] for n in published["nominations"]] == [2, 3]


def test_a_member_who_left_votes_no_more_and_holds_back_no_publication(
    api, make, village, households, admin, leader, council, good_family, today
):
    """Regression: a leader whose role was revoked still voted, and a household on the
    council that moved away (it cannot vote any more) held back publishing until the review
    ended, for want of its votes."""
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(
            good_family, council, today, council_members=[{"household_id": households[4].id}]
        ),
        as_=admin,
    )
    nomination = nominate(api, leader, campaign, households[0])
    role = db.session.execute(
        sa.select(RoleAssignment.id).where(RoleAssignment.user_id == council[2].user_id)
    ).scalar_one()
    revoke_role(ROOT, role)
    mark_moved_away(ROOT, households[4].id)

    refused = vote(api, council[2], nomination, expect=403)
    for member in council[:2]:
        vote(api, member, nomination)
    published = api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)

    assert refused["code"] == "not_on_council"
    assert published["nominations"][0]["approvals"] == 2


def test_votes_are_secret_until_the_review_ends(
    api, village, households, admin, leader, council, good_family, today
):
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today),
        as_=admin,
    )
    nomination = nominate(api, leader, campaign, households[0])
    vote(api, council[0], nomination, approve=False, note="还需观察")

    mine = api.get(f"/campaigns/{campaign['id']}", as_=council[0])["nominations"][0]
    theirs = api.get(f"/campaigns/{campaign['id']}", as_=council[1])["nominations"][0]
    admins = api.get(f"/campaigns/{campaign['id']}", as_=admin)["nominations"][0]

    assert mine["my_vote"] == {"approve": False, "note": "还需观察"}
    assert (mine["approvals"], mine["rejections"]) == (None, None)
    assert (theirs["my_vote"], theirs["rejections"]) == (None, None)
    assert admins["rejections"] is None
    logged = changes_of(last_audit_entry("campaign.vote"))
    assert set(logged) == {"campaign_id", "member_id", "vote_id"}
    assert vote(api, council[0], nomination, expect=409)["code"] == "already_voted"


def test_an_upheld_objection_during_the_notice_removes_the_nominee(
    api, village, households, admin, leader, council, good_family, today, clock
):
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today, notice_days=7),
        as_=admin,
    )
    first, second = (nominate(api, leader, campaign, h) for h in households[:2])
    for member in council:
        vote(api, member, first)
        vote(api, member, second)
    published = api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)
    assert published["stage"] == "notice"
    assert published["notice_until"] == (today + dt.timedelta(days=6)).isoformat()
    objector = households[4]
    objection = api.post(
        f"/nominations/{second['id']}/objections",
        json={"reason": "他家去年焚烧秸秆"},
        as_=objector,
    )
    assert api.post(f"/nominations/{second['id']}/objections", json={"reason": "再说一次"},
                    as_=objector, expect=409)["code"] == "already_objected"  # fmt: skip
    early = api.post(f"/campaigns/{campaign['id']}/confer", as_=admin, key=True, expect=409)
    assert early["code"] == "notice_not_over"

    api.post(
        f"/campaign-objections/{objection['id']}/decision",
        json={"uphold": True, "reason": "经核实属实"},
        as_=admin,
        expect=200,
    )
    clock(7)
    conferred = api.post(f"/campaigns/{campaign['id']}/confer", as_=admin, key=True, expect=200)

    removed = next(n for n in conferred["nominations"] if n["id"] == second["id"])
    assert (removed["status"], conferred["posted"]) == ("removed", 1)
    assert [balance(api, admin, h) for h in households[:2]] == [100, 0]
    assert titles_of(households[1].id) == []


def test_an_objection_upheld_after_the_nominee_declined_keeps_the_decline(
    api, village, households, admin, leader, council, good_family, today
):
    """Regression: upholding it wrote "removed" over "declined": the household's own choice
    was lost from the record, as if the committee had taken the title from it."""
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today, notice_days=7),
        as_=admin,
    )
    nomination = nominate(api, leader, campaign, households[0])
    for member in council:
        vote(api, member, nomination)
    api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)
    objection = api.post(
        f"/nominations/{nomination['id']}/objections", json={"reason": "不合格"},
        as_=households[4],
    )  # fmt: skip
    api.post(f"/nominations/{nomination['id']}/decline", as_=households[0], expect=200)

    decided = api.post(
        f"/campaign-objections/{objection['id']}/decision",
        json={"uphold": True, "reason": "经核实属实"},
        as_=admin,
        expect=200,
    )

    assert decided["status"] == "upheld"
    shown = api.get(f"/campaigns/{campaign['id']}", as_=admin)["nominations"][0]
    assert shown["status"] == "declined"


def test_pending_objections_hold_back_the_conferral(
    api, village, households, admin, leader, council, good_family, today, clock
):
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today, notice_days=1),
        as_=admin,
    )
    nomination = nominate(api, leader, campaign, households[0])
    for member in council:
        vote(api, member, nomination)
    api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)
    api.post(f"/nominations/{nomination['id']}/objections", json={"reason": "不服"},
             as_=households[1])  # fmt: skip
    clock(1)

    refused = api.post(f"/campaigns/{campaign['id']}/confer", as_=admin, key=True, expect=409)

    assert refused["code"] == "objections_pending"
    assert balance(api, admin, households[0]) == 0


def test_bean_votes_break_a_tie_in_the_council(
    api, village, households, admin, leader, council, good_family, today
):
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today, seats=1, bean_votes=3),
        as_=admin,
    )
    first, second = (nominate(api, leader, campaign, h) for h in households[:2])
    for member in council:
        vote(api, member, first)
        vote(api, member, second)
    give_beans(api, households[2], campaign, [(second, 3)])
    give_beans(api, households[3], campaign, [(first, 1), (second, 1)])
    again = give_beans(api, households[2], campaign, [(first, 1)], expect=409)
    too_many = give_beans(api, households[4], campaign, [(first, 4)], expect=422)
    own = give_beans(api, households[0], campaign, [(first, 1)], expect=403)

    published = api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)

    assert (again["code"], own["code"]) == ("beans_already_given", "own_household")
    assert too_many["code"] == "validation_failed"
    by_id = {n["id"]: n for n in published["nominations"]}
    assert (by_id[first["id"]]["beans"], by_id[second["id"]]["beans"]) == (1, 4)
    assert (by_id[first["id"]]["won"], by_id[second["id"]]["won"]) == (False, True)


def test_who_nominates_and_when(
    api, village, households, admin, leader, council, good_family, today, clock
):
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today,
                           review_until=(today + dt.timedelta(days=3)).isoformat()),
        as_=admin,
    )  # fmt: skip
    villager = households[1]

    assert nominate(api, villager, campaign, households[0], expect=403)["code"] == "forbidden"
    nominate(api, leader, campaign, households[0])
    again = nominate(api, admin, campaign, households[0], expect=409)
    clock(1)
    late = nominate(api, leader, campaign, households[2], expect=409)

    assert again["code"] == "already_nominated"
    assert (late["code"], late["window"]) == ("campaign_window_closed", "nomination")


def test_villagers_nominate_when_the_campaign_allows_and_a_household_may_decline(
    api, village, households, admin, council, good_family, today
):
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today, villagers_nominate=True),
        as_=admin,
    )
    nomination = nominate(api, households[1], campaign, households[0], reason="照顾瘫痪婆婆十年")
    refused = api.post(f"/nominations/{nomination['id']}/decline", as_=households[1], expect=403)

    declined = api.post(f"/nominations/{nomination['id']}/decline", as_=households[0], expect=200)

    assert refused["code"] == "forbidden"
    assert declined["status"] == "declined"
    assert vote(api, council[0], nomination, expect=409)["code"] == "nomination_declined"
    # A declined nominee is out of the vote: with no one standing, publishing is allowed.
    published = api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)
    assert published["nominations"][0]["won"] is False


def test_setting_up_a_campaign_is_checked(
    api, make, village, admin, leader, council, good_family, today
):
    url = f"/villages/{village.id}/campaigns"
    outsider = make.staff("leader", make.village())

    assert api.post(url, json=campaign_body(good_family, council, today), as_=leader,
                    expect=403)["code"] == "forbidden"  # fmt: skip
    assert api.post(url, json=campaign_body(good_family, council, today, quorum=4), as_=admin,
                    expect=422)["errors"].keys() == {"quorum"}  # fmt: skip
    stranger = api.post(url, json=campaign_body(good_family, [outsider], today, quorum=1),
                        as_=admin, expect=422)  # fmt: skip
    backwards = api.post(
        url,
        json=campaign_body(good_family, council, today,
                           nominate_until=(today + dt.timedelta(days=2)).isoformat()),
        as_=admin, expect=422,
    )  # fmt: skip

    assert "council" in stranger["errors"]
    assert "review_until" in backwards["errors"]
    assert api.get(url, as_=admin)["items"] == []


@pytest.mark.parametrize("stage", ["nominate_from", "nominate_until", "review_until"])
@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "9999-12-31"])
def test_a_stage_on_a_day_the_app_does_not_reckon_with_is_refused_beside_it(
    api, village, admin, council, good_family, today, stage, day
):
    body = campaign_body(good_family, council, today, **{stage: day})

    refused = api.post(f"/villages/{village.id}/campaigns", json=body, as_=admin, expect=422)

    assert refused["errors"][stage] == ["请填写 2000-01-01 到 9999-11-30 之间的日期。"]
    assert api.get(f"/villages/{village.id}/campaigns", as_=admin)["items"] == []


def test_an_admin_files_no_objection_for_a_household_that_moved_away(
    api, village, households, admin, leader, council, good_family, today, make
):
    """It was filed (201), and waiting for a decision it held back the conferral; a board
    entry's objection refused such a household already (account_closed)."""
    campaign = api.post(
        f"/villages/{village.id}/campaigns",
        json=campaign_body(good_family, council, today, notice_days=3),
        as_=admin,
    )
    nomination = nominate(api, leader, campaign, households[0])
    for member in council:
        vote(api, member, nomination)
    api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)
    gone = make.household(village, head_name="周明")
    mark_moved_away(ROOT, gone.id)

    refused = api.post(
        f"/nominations/{nomination['id']}/objections",
        json={"reason": "不服", "household_id": gone.id},
        as_=admin,
        expect=409,
    )

    assert refused["code"] == "account_closed"
    assert api.get(f"/campaigns/{campaign['id']}/objections", as_=admin)["items"] == []


def test_a_council_member_naming_nobody_is_refused_with_a_message_to_translate(
    api, village, admin, council, good_family, today
):
    """The message was a plain string, which no extraction finds: it stayed English on a
    Chinese request. It is a msgid now (``make extract-messages`` finds it), and the answer
    names the field."""
    from tests.site.test_translations import _code_messages

    body = campaign_body(good_family, council, today, council_members=[{}])

    refused = api.post(f"/villages/{village.id}/campaigns", json=body, as_=admin, expect=422)

    assert list(refused["errors"]["council_members"]["0"]) == ["user_id"]
    assert ("Give user_id, household_id or both.", None) in _code_messages()
