"""The council's review (道德评议), 豆选 and publication (公示).

* **Votes.** Each council member votes for or against each standing nominee, once, with a
  note, during the review window; never on the nomination of the household they live in.
  A vote stays secret (others see neither its side nor the running count) until the review
  window is over or the result is published; the audit log records at once that the member
  voted, and at publication every vote with its side and note.
* **豆选.** If the campaign gives beans (``bean_votes``), each household of the village, from
  ``/me``, gives at most that many to standing nominees other than itself, once.
* **At once.** Votes, beans and nominations lock the campaign's row shared and publishing
  locks it for update (``service.find_campaign``): what is given while the result is
  published is counted in it, or refused as after the publication (``campaign_window_closed``).
  Without it, on PostgreSQL, beans and nominations that came while the result was counted
  were answered 201 and never counted.
* **Publishing** (an admin of the village), on or after the last day of nominations, once
  the review window is over or every member has voted on every nominee they may vote on.
  Every standing nominee needs ``quorum`` council votes (else 409 ``quorum_not_met``); a
  nominee whose household has moved away by then is out of the running (``in_the_running``:
  no seat, no quorum to meet; its tallies are published); a nominee passes with more than
  ``majority_percent`` percent of its votes for it. Passing nominees rank by approvals, then
  by the tie-break (more beans, then the earlier nomination); the first ``seats`` win. The
  notice (公示) runs from the day of publication.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..database import utcnow
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..households.models import Household
from . import scope, windows
from .council import seated
from .errors import (
    AlreadyPublished,
    AlreadyVoted,
    BeansAlreadyGiven,
    NominationDeclined,
    NotOnCouncil,
    OwnHousehold,
    QuorumNotMet,
    WindowClosed,
)
from .models import (
    BEANS,
    STANDING,
    BeanBallot,
    BeanVote,
    Campaign,
    CouncilMember,
    CouncilVote,
    Nomination,
)
from .once import add_once
from .service import council_of, find_campaign, find_nomination, nominations_of, today_for

MAX_NOTE = 500


def member_for(actor: Principal, campaign_id: int) -> CouncilMember | None:
    """The council seat ``actor`` holds in the campaign: a staff user's, or a household's."""
    statement = sa.select(CouncilMember).where(CouncilMember.campaign_id == campaign_id)
    if actor.user_id is not None:
        statement = statement.where(CouncilMember.user_id == actor.user_id)
    elif actor.household_id is not None:
        statement = statement.where(
            CouncilMember.user_id.is_(None), CouncilMember.household_id == actor.household_id
        )
    else:
        return None
    return db.session.execute(statement).scalars().first()


def cast_vote(
    actor: Principal, nomination_id: int, *, approve: bool, note: str = ""
) -> CouncilVote:
    """A council member's vote on one nominee, once, during the review window."""
    nomination = find_nomination(nomination_id)
    campaign = find_campaign(nomination.campaign_id, share=True)
    db.session.refresh(nomination)  # declined meanwhile? (declining locks the campaign)
    if actor.household_id is not None and not scope.is_open_to(
        campaign, actor.household_village_id
    ):
        raise NotOnCouncil()
    member = member_for(actor, campaign.id)
    if member is None or not seated(campaign, [member]):
        raise NotOnCouncil()
    if member.household_id is not None and member.household_id == nomination.household_id:
        raise OwnHousehold()
    windows.require(campaign, windows.REVIEW, today_for(campaign))
    if nomination.status != STANDING:
        raise NominationDeclined()
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            errors={"note": [str(_l("At most %(max)s characters.", max=MAX_NOTE))]}
        )
    if db.session.execute(
        sa.select(CouncilVote.id).where(
            CouncilVote.nomination_id == nomination.id, CouncilVote.member_id == member.id
        )
    ).first():
        raise AlreadyVoted()
    vote = CouncilVote(
        nomination_id=nomination.id,
        member_id=member.id,
        approve=approve,
        note=note,
        cast_at=utcnow(),
    )
    add_once(vote, AlreadyVoted())
    # The side is secret until the review ends: the log says now that the member voted, and
    # at publication how (``publish``).
    audit.record(
        actor_id=actor.user_id,
        village_id=campaign.village_id,
        action="campaign.vote",
        target_type="nomination",
        target_id=nomination.id,
        changes={"campaign_id": campaign.id, "member_id": member.id, "vote_id": vote.id},
    )
    return vote


def give_beans(actor: Principal, campaign_id: int, beans: dict[int, int]) -> BeanBallot:
    """A household's 豆选: ``{nomination id: beans}``, at most the campaign's number in all."""
    campaign = find_campaign(campaign_id, share=True)
    if actor.household_id is None or actor.user_id is not None:
        raise Forbidden(_l("Households give their beans from their own page."))
    if not scope.is_open_to(campaign, actor.household_village_id):
        raise Forbidden(_l("You may only see your own village."))
    if campaign.bean_votes <= 0:
        raise Forbidden(_l("This campaign has no public vote (豆选)."))
    windows.require(campaign, windows.REVIEW, today_for(campaign))
    beans = {int(k): int(v) for k, v in beans.items() if int(v) != 0}
    standing = {n.id: n for n in nominations_of(campaign.id) if n.status == STANDING}
    errors = []
    if not beans:
        errors.append(_l("Give at least one bean."))
    if any(v < 0 for v in beans.values()):
        errors.append(_l("Beans are counted from 1."))
    if sum(beans.values()) > campaign.bean_votes:
        errors.append(_l("At most %(n)s beans in all.", n=campaign.bean_votes))
    if set(beans) - set(standing):
        errors.append(_l("Give beans to this campaign's nominees only."))
    elif any(standing[n].household_id == actor.household_id for n in beans):
        raise OwnHousehold(_l("A household does not give beans to itself."))
    if errors:
        raise ValidationFailed(errors={"beans": [str(e) for e in errors]})
    if db.session.execute(
        sa.select(BeanBallot.id).where(
            BeanBallot.campaign_id == campaign.id, BeanBallot.household_id == actor.household_id
        )
    ).first():
        raise BeansAlreadyGiven()
    ballot = BeanBallot(campaign_id=campaign.id, household_id=actor.household_id, cast_at=utcnow())
    add_once(ballot, BeansAlreadyGiven())
    db.session.add_all(
        BeanVote(ballot_id=ballot.id, nomination_id=n, beans=count) for n, count in beans.items()
    )
    db.session.flush()
    return ballot


# --- tallies ---------------------------------------------------------------------------------


def tallies(campaign_id: int) -> dict[int, dict[str, int]]:
    """Per nomination id: council votes for and against, and 豆选 beans (two queries)."""
    result: dict[int, dict[str, int]] = defaultdict(
        lambda: {"approvals": 0, "rejections": 0, "beans": 0}
    )
    for nomination_id, approve, count in db.session.execute(
        sa.select(CouncilVote.nomination_id, CouncilVote.approve, sa.func.count())
        .join(Nomination, Nomination.id == CouncilVote.nomination_id)
        .where(Nomination.campaign_id == campaign_id)
        .group_by(CouncilVote.nomination_id, CouncilVote.approve)
    ):
        result[nomination_id]["approvals" if approve else "rejections"] += count
    for nomination_id, beans in db.session.execute(
        sa.select(BeanVote.nomination_id, sa.func.sum(BeanVote.beans))
        .join(Nomination, Nomination.id == BeanVote.nomination_id)
        .where(Nomination.campaign_id == campaign_id)
        .group_by(BeanVote.nomination_id)
    ):
        result[nomination_id]["beans"] = int(beans or 0)
    return result


def votes_of_member(member_id: int) -> dict[int, CouncilVote]:
    return {
        vote.nomination_id: vote
        for vote in db.session.execute(
            sa.select(CouncilVote).where(CouncilVote.member_id == member_id)
        ).scalars()
    }


def _voted_pairs(campaign_id: int) -> set[tuple[int, int]]:
    return {
        (row.nomination_id, row.member_id)
        for row in db.session.execute(
            sa.select(CouncilVote.nomination_id, CouncilVote.member_id)
            .join(Nomination, Nomination.id == CouncilVote.nomination_id)
            .where(Nomination.campaign_id == campaign_id)
        )
    }


def everyone_voted(campaign: Campaign, standing: list[Nomination]) -> bool:
    """Every member has voted on every standing nominee they may vote on."""
    voted = _voted_pairs(campaign.id)
    council = seated(campaign, council_of(campaign.id))
    return all(
        (n.id, m.id) in voted
        for n in standing
        for m in council
        if m.household_id is None or m.household_id != n.household_id
    )


def in_the_running(nominations: list[Nomination]) -> list[Nomination]:
    """The standing nominees whose household still lives in its village: one that moved
    away cannot be conferred (``conferral.confer``), so it takes no seat at publication and
    the votes it lacks hold nothing back; its tallies are published all the same."""
    standing = [n for n in nominations if n.status == STANDING]
    if not standing:
        return []
    active = set(
        db.session.execute(
            sa.select(Household.id).where(
                Household.id.in_([n.household_id for n in standing]),
                Household.status == "active",
            )
        ).scalars()
    )
    return [n for n in standing if n.household_id in active]


def can_publish(campaign: Campaign, today: dt.date) -> bool:
    if campaign.published_at is not None or today < campaign.nominate_until:
        return False
    if today > campaign.review_until:
        return True
    return everyone_voted(campaign, in_the_running(nominations_of(campaign.id)))


def ranked(campaign: Campaign, standing: list[Nomination], counts: dict) -> list[Nomination]:
    """The passing nominees in their order: approvals, then the campaign's tie-break."""

    def passes(n: Nomination) -> bool:
        c = counts[n.id]
        cast = c["approvals"] + c["rejections"]
        return c["approvals"] * 100 > cast * campaign.majority_percent

    def order(n: Nomination) -> tuple:
        beans = counts[n.id]["beans"] if campaign.tie_break == BEANS else 0
        return (-counts[n.id]["approvals"], -beans, n.id)

    return sorted((n for n in standing if passes(n)), key=order)


def publish(actor: Principal, campaign_id: int) -> Campaign:
    """Publish the result and start the notice (公示); see the module's docstring."""
    campaign = find_campaign(campaign_id, lock=True)
    scope.require_runner(actor, campaign)
    if campaign.published_at is not None:
        raise AlreadyPublished()
    today = today_for(campaign)
    if today < campaign.nominate_until:
        raise WindowClosed(window="nomination_not_over", **windows.dates(campaign))
    nominations = nominations_of(campaign.id)
    standing = [n for n in nominations if n.status == STANDING]
    running = in_the_running(nominations)
    if today <= campaign.review_until and not everyone_voted(campaign, running):
        raise WindowClosed(
            _l("The review is open and not every council member has voted on every nominee."),
            window=windows.REVIEW,
            **windows.dates(campaign),
        )
    counts = tallies(campaign.id)
    short = [
        n.id
        for n in running
        if counts[n.id]["approvals"] + counts[n.id]["rejections"] < campaign.quorum
    ]
    if short:
        raise QuorumNotMet(nominations=short, quorum=campaign.quorum)
    order = ranked(campaign, running, counts)
    for nomination in standing:
        nomination.approvals = counts[nomination.id]["approvals"]
        nomination.rejections = counts[nomination.id]["rejections"]
        nomination.beans = counts[nomination.id]["beans"]
    for rank, nomination in enumerate(order, start=1):
        nomination.rank = rank
        nomination.won = rank <= campaign.seats
    campaign.published_at = utcnow()
    campaign.published_by_id = actor.user_id
    campaign.notice_until = today + dt.timedelta(days=campaign.notice_days - 1)
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=campaign.village_id,
        action="campaign.publish",
        target_type="campaign",
        target_id=campaign.id,
        changes={
            "notice_until": campaign.notice_until.isoformat(),
            "winners": [n.household_id for n in order[: campaign.seats]],
            "tallies": {str(n.id): counts[n.id] for n in standing},
            "votes": _all_votes(campaign.id),
        },
    )
    return campaign


def _all_votes(campaign_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(
            CouncilVote.nomination_id,
            CouncilVote.member_id,
            CouncilMember.user_id,
            CouncilMember.household_id,
            CouncilVote.approve,
            CouncilVote.note,
        )
        .join(Nomination, Nomination.id == CouncilVote.nomination_id)
        .join(CouncilMember, CouncilMember.id == CouncilVote.member_id)
        .where(Nomination.campaign_id == campaign_id)
        .order_by(CouncilVote.id)
    )
    return [dict(row._mapping) for row in rows]
