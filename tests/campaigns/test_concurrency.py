"""Conferring at once from many clients posts each winner's points once, and two votes of
one member at once count once: real threads, real connections, real commits (on SQLite and
on PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa

from pointsmart.audit.models import AuditEntry
from pointsmart.campaigns import review, service
from pointsmart.campaigns.models import CouncilVote
from pointsmart.extensions import db
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import local_today
from tests.awards.conftest import add_rule
from tests.factories import ROOT, Factories
from tests.ledger.test_concurrency import run_at_once

CLIENTS = 8


def _campaign(make, village, council, households, **changes):
    rule = add_rule(village, "hjt", "好家庭", "red", 100)
    today = local_today(village.timezone)
    fields = {
        "title": "好家庭", "rule_id": rule.id, "seats": 2, "nominate_from": today,
        "nominate_until": today, "review_until": today, "notice_days": 0, "quorum": 1,
        "council": [member.user_id for member in council], **changes,
    }  # fmt: skip
    campaign = service.create_campaign(ROOT, village.id, **fields)
    nominations = [
        service.nominate(ROOT, campaign.id, household_id=h.id, reason="好") for h in households
    ]
    return campaign, nominations


def test_conferring_from_many_clients_at_once_pays_each_winner_once(fresh_app):
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        admins = [make.staff("admin", village) for _ in range(CLIENTS)]
        member = make.staff("leader", village)
        households = [make.household(village) for _ in range(3)]
        campaign, nominations = _campaign(make, village, [member], households)
        for nomination in nominations:
            review.cast_vote(member.principal, nomination.id, approve=True)
        review.publish(ROOT, campaign.id)
        db.session.commit()
        village_id, campaign_id = village.id, campaign.id

    def confer(index):
        response = fresh_app.test_client().post(
            f"/api/v1/campaigns/{campaign_id}/confer",
            headers={**admins[index].auth, "Idempotency-Key": f"confer-{index}"},
        )
        return response.status_code, response.get_json().get("posted")

    outcomes = run_at_once(CLIENTS, confer)

    assert sorted(outcomes) == [(200, 0)] * (CLIENTS - 1) + [(200, 2)]
    with fresh_app.app_context():
        paid = db.session.execute(
            sa.select(Transfer.household_id).where(Transfer.village_id == village_id)
        ).scalars()
        assert sorted(paid) == sorted(h.id for h in households[:2])
        assert verify_village(village_id).ok


def test_one_members_votes_at_once_count_once(fresh_app):
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        member = make.staff("leader", village)
        _, [nomination] = _campaign(make, village, [member], [make.household(village)])
        db.session.commit()
        nomination_id = nomination.id

    def vote(index):
        response = fresh_app.test_client().post(
            f"/api/v1/nominations/{nomination_id}/votes",
            json={"approve": index % 2 == 0},
            headers=member.auth,
        )
        return response.status_code

    outcomes = run_at_once(CLIENTS, vote)

    assert outcomes.count(201) == 1
    assert set(outcomes) <= {201, 409}
    with fresh_app.app_context():
        votes = db.session.execute(sa.select(sa.func.count()).select_from(CouncilVote))
        assert votes.scalar_one() == 1


def test_one_nomination_declined_from_several_clients_at_once_is_declined_once(fresh_app):
    """On PostgreSQL every decline was answered 200 and audited (each read the nomination
    standing before it locked the campaign); the nomination is now read again under the
    campaign's lock, and the others are refused ``nomination_declined``."""
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        admins = [make.staff("admin", village) for _ in range(CLIENTS)]
        member = make.staff("leader", village)
        households = [make.household(village) for _ in range(3)]
        _, nominations = _campaign(make, village, [member], households)
        db.session.commit()
        nomination_ids = [nomination.id for nomination in nominations]

    for nomination_id in nomination_ids:

        def decline(index, nomination_id=nomination_id):
            response = fresh_app.test_client().post(
                f"/api/v1/nominations/{nomination_id}/decline",
                headers={**admins[index].auth, "Idempotency-Key": f"{nomination_id}-{index}"},
            )
            return response.status_code, response.get_json().get("code")

        outcomes = run_at_once(CLIENTS, decline)

        assert sorted(outcomes, key=str) == [(200, None)] + [(409, "nomination_declined")] * (
            CLIENTS - 1
        )
    with fresh_app.app_context():
        declines = db.session.execute(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "campaign.decline")
        )
        assert declines.scalar_one() == len(nomination_ids)


def test_conferring_while_a_winner_moves_away_pays_the_others(fresh_app):
    """On PostgreSQL the conferral read which winners still lived in the village before it
    locked their accounts: a winner that moved away in between made the whole conferral
    409 ``account_closed``. The accounts are now locked first: the household moves away
    before (and the conferral pays the other winner) or after it was paid (and moving away
    is refused while it holds the points)."""
    from pointsmart.admin.households import mark_moved_away
    from pointsmart.errors import Problem

    rounds = 6
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        admin = make.staff("admin", village)
        member = make.staff("leader", village)
        rule = add_rule(village, "hjt", "好家庭", "red", 100)
        today = local_today(village.timezone)
        scenes = []
        for _ in range(rounds):
            households = [make.household(village) for _ in range(2)]
            fields = {
                "title": "好家庭", "rule_id": rule.id, "seats": 2, "nominate_from": today,
                "nominate_until": today, "review_until": today, "notice_days": 0, "quorum": 1,
                "council": [member.user_id],
            }  # fmt: skip
            campaign = service.create_campaign(ROOT, village.id, **fields)
            for household in households:
                nomination = service.nominate(
                    ROOT, campaign.id, household_id=household.id, reason="好"
                )
                review.cast_vote(member.principal, nomination.id, approve=True)
            review.publish(ROOT, campaign.id)
            scenes.append((campaign.id, households[1].id))
        db.session.commit()
        village_id = village.id

    for campaign_id, leaving in scenes:

        def confer_or_move(index, campaign_id=campaign_id, leaving=leaving):
            if index == 0:
                response = fresh_app.test_client().post(
                    f"/api/v1/campaigns/{campaign_id}/confer",
                    headers={**admin.auth, "Idempotency-Key": f"confer-{campaign_id}"},
                )
                return response.status_code, response.get_json().get("posted")
            with fresh_app.app_context():
                try:
                    mark_moved_away(ROOT, leaving)
                    db.session.commit()
                    return "moved"
                except Problem as refusal:
                    db.session.rollback()
                    return refusal.code

        outcome = run_at_once(2, confer_or_move)

        assert outcome in ([(200, 1), "moved"], [(200, 2), "balance_not_settled"])
    with fresh_app.app_context():
        assert verify_village(village_id).ok


def test_beans_given_while_the_result_is_published_are_counted_or_refused(fresh_app):
    """On PostgreSQL beans (and nominations) that came while the result was being published
    were answered 201 after the publication had counted the beans: the published result
    never held them. They now lock the campaign's row shared, which publishing locks for
    update: each is counted in the result, or refused ``campaign_window_closed`` as after
    the publication."""
    from tests.campaigns.conftest import with_token

    rounds, givers = 6, 3
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        admin = make.staff("admin", village)
        member = make.staff("leader", village)
        households = [with_token(make.household(village)) for _ in range(givers)]
        rule = add_rule(village, "hjt", "好家庭", "red", 100)
        today = local_today(village.timezone)
        campaigns = []
        for _ in range(rounds):
            fields = {
                "title": "好家庭", "rule_id": rule.id, "seats": 1, "nominate_from": today,
                "nominate_until": today, "review_until": today, "notice_days": 1, "quorum": 1,
                "council": [member.user_id], "bean_votes": 3,
            }  # fmt: skip
            campaign = service.create_campaign(ROOT, village.id, **fields)
            nominees = [make.household(village) for _ in range(2)]
            nominations = [
                service.nominate(ROOT, campaign.id, household_id=h.id, reason="好")
                for h in nominees
            ]
            for nomination in nominations:
                review.cast_vote(member.principal, nomination.id, approve=True)
            campaigns.append((campaign.id, [n.id for n in nominations]))
        db.session.commit()

    for campaign_id, nomination_ids in campaigns:

        def publish_or_give(index, campaign_id=campaign_id, nomination_ids=nomination_ids):
            client = fresh_app.test_client()
            if index == givers:
                response = client.post(
                    f"/api/v1/campaigns/{campaign_id}/publish",
                    headers={**admin.auth, "Idempotency-Key": f"publish-{campaign_id}"},
                )
            else:
                response = client.post(
                    f"/api/v1/campaigns/{campaign_id}/beans",
                    json={"beans": {str(nomination_ids[index % 2]): 3}},
                    headers={**households[index].auth, "Idempotency-Key": f"{campaign_id}-{index}"},
                )
            return response.status_code, response.get_json().get("code")

        outcomes = run_at_once(givers + 1, publish_or_give)

        assert outcomes[givers] == (200, None)
        assert set(outcomes[:givers]) <= {(201, None), (409, "campaign_window_closed")}
        with fresh_app.app_context():
            counted = review.tallies(campaign_id)
            for nomination in service.nominations_of(campaign_id):
                assert nomination.beans == counted[nomination.id]["beans"]


def test_a_double_tap_is_answered_with_the_campaign_s_own_refusal(fresh_app):
    """On PostgreSQL the second of two beans of one household at once (a double tap, two
    phones), of two nominations of one household and of two votes of one member was refused
    by the unique constraint and answered 409 ``concurrent_change`` ("try again", which then
    said it was done already); it is the refusal the check gives one request later."""
    from tests.campaigns.conftest import with_token

    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        leaders = [make.staff("leader", village) for _ in range(CLIENTS)]
        giver = with_token(make.household(village))
        campaign, [nomination] = _campaign(
            make, village, leaders[:1], [make.household(village)], bean_votes=3
        )
        other = make.household(village)
        db.session.commit()
        campaign_id, nomination_id, other_id = campaign.id, nomination.id, other.id

    def post(path, body, headers):
        response = fresh_app.test_client().post(f"/api/v1{path}", json=body, headers=headers)
        return response.status_code, response.get_json().get("code")

    beans = run_at_once(
        CLIENTS,
        lambda i: post(
            f"/campaigns/{campaign_id}/beans", {"beans": {str(nomination_id): 1}}, giver.auth
        ),
    )
    nominations = run_at_once(
        CLIENTS,
        lambda i: post(
            f"/campaigns/{campaign_id}/nominations",
            {"household_id": other_id, "reason": "好"},
            leaders[i].auth,
        ),
    )
    votes = run_at_once(
        CLIENTS,
        lambda i: post(f"/nominations/{nomination_id}/votes", {"approve": True}, leaders[0].auth),
    )

    assert sorted(beans) == [(201, None)] + [(409, "beans_already_given")] * (CLIENTS - 1)
    assert sorted(nominations) == [(201, None)] + [(409, "already_nominated")] * (CLIENTS - 1)
    assert sorted(votes) == [(201, None)] + [(409, "already_voted")] * (CLIENTS - 1)
