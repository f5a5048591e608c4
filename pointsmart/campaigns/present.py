"""What a campaign looks like to one caller: the API's body and the pages' context.

Tallies (council votes for and against, 豆选 beans) are shown once the votes are no longer
secret (``windows.votes_secret``); before that a council member sees only their own votes.
Nominees are named by household number and head (masked where the village masks names).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..accounts.auth import Principal
from ..board.names import mask_name
from ..extensions import db
from ..households.models import Household
from ..villages.service import find_village
from . import review, scope, windows
from .models import BeanBallot, Campaign
from .service import council_of, nominations_of, today_for


def _households(ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {
        row.id: row
        for row in db.session.execute(
            sa.select(
                Household.id, Household.number, Household.head_name, Household.village_id
            ).where(Household.id.in_(ids))
        )
    }


def campaign_view(actor: Principal | None, campaign: Campaign) -> dict[str, Any]:
    """The campaign, its council and nominees as ``actor`` may see them (None: the public)."""
    today = today_for(campaign)
    secret = windows.votes_secret(campaign, today)
    nominations = nominations_of(campaign.id)
    council = council_of(campaign.id)
    households = _households(
        {n.household_id for n in nominations} | {m.household_id for m in council} - {None}
    )
    counts = review.tallies(campaign.id) if not secret else {}
    member = review.member_for(actor, campaign.id) if actor is not None else None
    mine = review.votes_of_member(member.id) if member is not None else {}
    runner = actor is not None and scope.may_run(actor, campaign)
    villages = {v: find_village(v) for v in {row.village_id for row in households.values()}}

    def staff_of(village_id: int) -> bool:
        return runner or (actor is not None and actor.is_staff_of(village_id))

    is_staff = any(staff_of(v) for v in scope.village_ids(campaign))

    def name(household_id: int) -> str:
        row = households[household_id]
        own = actor is not None and actor.household_id == household_id
        shown = staff_of(row.village_id) or own or not villages[row.village_id].mask_names
        return row.head_name if shown else mask_name(row.head_name)

    items = []
    for n in nominations:
        item = {
            "id": n.id,
            "household_id": n.household_id,
            "number": households[n.household_id].number,
            "head_name": name(n.household_id),
            "reason": n.reason,
            "has_photo": n.photo is not None,
            "status": n.status,
            "created_at": n.created_at,
            "rank": n.rank,
            "won": n.won,
            "village_id": n.village_id,
            "transfer_id": n.transfer_id if staff_of(n.village_id) else None,
            "approvals": None,
            "rejections": None,
            "beans": None,
            "my_vote": None,
        }
        if not secret:
            tally = counts.get(n.id, {"approvals": 0, "rejections": 0, "beans": 0})
            item.update(
                approvals=n.approvals if n.approvals is not None else tally["approvals"],
                rejections=n.rejections if n.rejections is not None else tally["rejections"],
                beans=n.beans if n.beans is not None else tally["beans"],
            )
        if n.id in mine:
            item["my_vote"] = {"approve": mine[n.id].approve, "note": mine[n.id].note}
        elif member is not None and member.household_id == n.household_id:
            item["my_vote"] = None
        items.append(item)
    gave_beans = (
        actor is not None
        and actor.household_id is not None
        and db.session.execute(
            sa.select(BeanBallot.id).where(
                BeanBallot.campaign_id == campaign.id,
                BeanBallot.household_id == actor.household_id,
            )
        ).first()
        is not None
    )
    return {
        "id": campaign.id,
        "village_id": campaign.village_id,
        "region_id": campaign.region_id,
        "title": campaign.title,
        "rule_id": campaign.rule_id,
        "points": campaign.points,
        "seats": campaign.seats,
        "nominate_from": campaign.nominate_from,
        "nominate_until": campaign.nominate_until,
        "review_until": campaign.review_until,
        "notice_days": campaign.notice_days,
        "notice_until": campaign.notice_until,
        "quorum": campaign.quorum,
        "majority_percent": campaign.majority_percent,
        "tie_break": campaign.tie_break,
        "villagers_nominate": campaign.villagers_nominate,
        "bean_votes": campaign.bean_votes,
        "stage": windows.stage(campaign, today),
        "nomination_open": windows.nomination_open(campaign, today),
        "review_open": windows.review_open(campaign, today),
        "notice_open": windows.notice_open(campaign, today),
        "votes_secret": secret,
        "can_publish": review.can_publish(campaign, today),
        "published_at": campaign.published_at,
        "conferred_at": campaign.conferred_at,
        "council": [
            {"id": m.id, "user_id": m.user_id, "household_id": m.household_id} for m in council
        ]
        if is_staff
        else [],
        "council_size": len(council),
        "on_council": member is not None,
        "gave_beans": gave_beans,
        "nominations": items,
    }
