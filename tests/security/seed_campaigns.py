"""The campaigns (评选) of the matrix's world: one open for nominations and votes today, one
published and in its notice (公示) with a winner and an objection to it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from pointsmart.accounts.auth import Principal
from pointsmart.accounts.service import load_principal
from pointsmart.campaigns import conferral, review, service
from pointsmart.extensions import db
from pointsmart.periods import local_today
from pointsmart.rules.models import Rule
from tests.factories import ROOT


def seed_campaigns(village, own, neighbour, leader_id: int, admin_id: int) -> dict[str, str]:
    """Build both campaigns; return the matrix's parameters naming them."""
    rule_id = (
        db.session.execute(
            sa.select(Rule.id)
            .where(Rule.village_id == village.id, Rule.category == "red", Rule.active.is_(True))
            .order_by(Rule.id)
        )
        .scalars()
        .first()
    )
    today = local_today(village.timezone)

    def campaign(notice_days: int):
        return service.create_campaign(
            ROOT,
            village.id,
            title="好家庭",
            rule_id=rule_id,
            seats=1,
            nominate_from=today,
            nominate_until=today,
            review_until=today + dt.timedelta(days=notice_days),
            notice_days=notice_days,
            quorum=1,
            council=[leader_id, admin_id],
            villagers_nominate=True,
            bean_votes=3,
        )

    open_campaign = campaign(0)
    nomination = service.nominate(ROOT, open_campaign.id, household_id=neighbour.id, reason="和睦")
    published = campaign(7)
    winner = service.nominate(ROOT, published.id, household_id=neighbour.id, reason="孝敬老人")
    for user_id in (leader_id, admin_id):
        review.cast_vote(load_principal(user_id), winner.id, approve=True, note="同意")
    review.publish(ROOT, published.id)
    own_login = Principal(household_id=own.id, household_village_id=village.id)
    objection = conferral.raise_objection(own_login, winner.id, reason="有不同意见")
    return {
        "campaign_id": str(open_campaign.id),
        "nomination_id": str(nomination.id),
        "published_campaign_id": str(published.id),
        "won_nomination_id": str(winner.id),
        "campaign_objection_id": str(objection.id),
    }
