"""``flask campaign confer ID`` confers as the button does, once."""

from __future__ import annotations

from pointsmart.campaigns import review, service
from pointsmart.extensions import db
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import local_today
from tests.awards.conftest import add_rule
from tests.factories import ROOT, Factories


def test_the_command_confers_once(fresh_app):
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        rule = add_rule(village, "hjt", "好家庭", "red", 100)
        member = make.staff("leader", village)
        household = make.household(village)
        today = local_today(village.timezone)
        campaign = service.create_campaign(
            ROOT, village.id, title="好家庭", rule_id=rule.id, seats=1, nominate_from=today,
            nominate_until=today, review_until=today, notice_days=0, quorum=1,
            council=[member.user_id],
        )  # fmt: skip
        nomination = service.nominate(ROOT, campaign.id, household_id=household.id, reason="好")
        review.cast_vote(member.principal, nomination.id, approve=True)
        review.publish(ROOT, campaign.id)
        db.session.commit()
        ids = campaign.id, village.id
    runner = fresh_app.test_cli_runner()

    first = runner.invoke(args=["campaign", "confer", str(ids[0])])
    again = runner.invoke(args=["campaign", "confer", str(ids[0])])
    missing = runner.invoke(args=["campaign", "confer", "999"])

    assert (first.exit_code, again.exit_code, missing.exit_code) == (0, 0, 2)
    assert "winners paid now: 1" in first.output
    assert "winners paid now: 0" in again.output
    assert "not_found" in missing.output
    with fresh_app.app_context():
        assert verify_village(ids[1]).ok
