"""Objections during the notice (公示), conferral, and the titles the winners hold.

* **Objections** follow the red and black list's flow (``board.objections``): during the notice
  any household of the village objects to a published winner, once, with a reason (through
  its own login, or an admin files it for the household); an admin of the village upholds
  it (the nominee is removed from the result: its seat is not handed on, since a new winner
  would need a notice of its own) or dismisses it, with a reason either way. Both are kept.
* **Conferral** (an admin of the village) once the notice is over and no objection waits:
  each winner still standing gets the campaign rule's points through the ledger (an award,
  issued -> household, memo the campaign's title), in one transaction, even when the rule was
  retired since the campaign was set up (the council decided, the notice published it). The
  campaign row is locked first and marked conferred, so conferring twice (or two admins at
  once) posts once; the second call answers what the first did. A household that has moved
  away by then gets no points and no title. The council's decision stands for the approval an
  award above the village's threshold would otherwise wait for, and the rule's monthly cap
  does not apply.
* **Titles**: a household holds the title of each conferred campaign it won (its page, the
  card page, the board's 光荣榜, the certificates) while the award conferral posted it
  stands: reversing that award (an admin's reversal) takes the title back with the points.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from ..accounts.auth import Principal
from ..audit import service as audit
from ..awards.errors import AlreadyDecided, AlreadyObjected
from ..awards.planning import plan_by_rule, post_plan
from ..board.models import PENDING
from ..board.objections import file_objection, objector_of, record_decision
from ..database import utcnow
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..ledger import service as ledger
from ..ledger.errors import AccountClosed
from ..ledger.models import Transfer
from ..lookups import get_or_refuse
from ..rules.models import Rule
from ..text import reason_text
from ..villages.models import Village
from ..villages.service import find_village
from . import regional, scope, windows
from .errors import NotAWinner, NoticeNotOver, NotPublished, ObjectionsPending, WindowClosed
from .models import REMOVED, STANDING, Campaign, Nomination, NominationObjection
from .service import (
    find_campaign,
    find_nomination,
    nominations_of,
    today_for,
)

# --- objections ------------------------------------------------------------------------------


def raise_objection(
    actor: Principal, nomination_id: int, *, reason: str, household_id: int | None = None
) -> NominationObjection:
    """A household objects to a published winner during the notice, once: a household of
    the campaign's village, or of any village under a township's or county's campaign (its
    own login, or an admin of its village files it for it)."""
    nomination = find_nomination(nomination_id)
    campaign = find_campaign(nomination.campaign_id)
    village_id = _objector_village(actor, campaign, nomination, household_id)
    household_id, filed_by_id = objector_of(
        actor, village_id, household_id, unseen=NotFound(_l("No such nomination."))
    )
    objector = db.session.get(Household, household_id)
    if objector is None or objector.village_id != village_id:
        raise ValidationFailed(
            errors={"household_id": [str(_l("No such household in this village."))]}
        )
    if objector.status != "active":
        # An admin files for a household that moved away: it objects no more than it could
        # sign in, as for a board entry (``board.objections``).
        raise AccountClosed()
    reason = reason_text(reason)
    windows.require(campaign, windows.NOTICE, today_for(campaign))
    if not nomination.won or nomination.status != STANDING:
        raise NotAWinner()
    return file_objection(
        NominationObjection.nomination_id,
        nomination.id,
        village_id=nomination.village_id,
        household_id=household_id,
        reason=reason,
        filed_by_id=filed_by_id,
        already=AlreadyObjected(_l("This household has already objected to this nominee.")),
    )


def _objector_village(
    actor: Principal, campaign: Campaign, nomination: Nomination, household_id: int | None
) -> int:
    """The village whose household objects: the nominee's for a village's campaign; under a
    region's campaign, the objecting household's own (its login's, or the one an admin names)
    when the campaign is open to it. Any other answer is the nominee's village, which
    ``objector_of`` then refuses as for any household or admin outside it."""
    if campaign.region_id is None:
        return nomination.village_id
    if actor.user_id is None and actor.household_id is not None:
        village_id = actor.household_village_id
    else:
        named = db.session.get(Household, household_id) if household_id is not None else None
        village_id = named.village_id if named is not None else None
    return village_id if scope.is_open_to(campaign, village_id) else nomination.village_id


def objections_of(actor: Principal, campaign_id: int) -> list[NominationObjection]:
    campaign = find_campaign(campaign_id)
    scope.require_runner(actor, campaign)
    return list(
        db.session.execute(
            sa.select(NominationObjection)
            .join(Nomination, Nomination.id == NominationObjection.nomination_id)
            .where(Nomination.campaign_id == campaign_id)
            .order_by(NominationObjection.id)
        ).scalars()
    )


def find_objection(objection_id: int) -> NominationObjection:
    return get_or_refuse(NominationObjection, objection_id, _l("No such objection."))


def decide_objection(
    actor: Principal, objection_id: int, *, uphold: bool, reason: str
) -> NominationObjection:
    """Uphold (the nominee is removed) or dismiss an objection; admins, once, with a reason."""
    objection = find_objection(objection_id)
    if actor.household_id is not None:
        raise Forbidden()
    nomination = find_nomination(objection.nomination_id)
    if not scope.may_run(actor, find_campaign(nomination.campaign_id)):
        actor.require_admin(objection.village_id)
    reason = reason_text(reason)
    campaign = find_campaign(nomination.campaign_id, lock=True)
    db.session.refresh(objection, with_for_update=True)
    if objection.status != PENDING:
        raise AlreadyDecided()
    if campaign.conferred_at is not None:
        raise WindowClosed(window="conferred", **windows.dates(campaign))
    db.session.refresh(nomination)  # read again under the campaign's lock
    if uphold and nomination.status == STANDING:
        # A nominee who declined meanwhile stays declined: the household's own choice is
        # kept, and either way it is out of the running.
        nomination.status = REMOVED
    record_decision(
        actor,
        objection,
        uphold=uphold,
        reason=reason,
        target_type="campaign_objection",
        changes={"nomination_id": nomination.id},
    )
    return objection


# --- conferral -------------------------------------------------------------------------------


def winners(campaign_id: int) -> list[Nomination]:
    """The standing winners, in rank order."""
    return sorted(
        (n for n in nominations_of(campaign_id) if n.won and n.status == STANDING),
        key=lambda n: n.rank or 0,
    )


def confer(actor: Principal, campaign_id: int) -> tuple[Campaign, int]:
    """Confer the titles and post the winners' points, once. Returns the campaign and the
    number of transfers this call posted (0 when it had been conferred already)."""
    campaign = find_campaign(campaign_id, lock=True)
    scope.require_runner(actor, campaign)
    if campaign.conferred_at is not None:
        return campaign, 0
    if campaign.published_at is None:
        raise NotPublished()
    today = today_for(campaign)
    if campaign.notice_until is not None and today <= campaign.notice_until:
        raise NoticeNotOver(notice_until=campaign.notice_until.isoformat())
    if db.session.execute(
        sa.select(NominationObjection.id)
        .join(Nomination, Nomination.id == NominationObjection.nomination_id)
        .where(Nomination.campaign_id == campaign.id, NominationObjection.status == PENDING)
    ).first():
        raise ObjectionsPending()
    selected = winners(campaign.id)
    # Every winner's account is locked before it is read who still lives in the village:
    # closing a household's account (moving away) takes the same lock, so a household that
    # moves away at this moment is either left out here or moves away after it was paid
    # (and is then refused, holding points). Reading first refused the whole conferral with
    # 409 account_closed when a winner moved away in between.
    for village_id in sorted({n.village_id for n in selected}):
        ledger.lock_household_accounts(
            village_id, [n.household_id for n in selected if n.village_id == village_id]
        )
    active = set(
        db.session.execute(
            sa.select(Household.id).where(
                Household.id.in_([n.household_id for n in selected]),
                Household.status == "active",
            )
        ).scalars()
    )
    paid = [n for n in selected if n.household_id in active]
    if campaign.region_id is not None:
        plans = regional.payment_plans(actor, campaign, paid)
    else:
        village = find_village(campaign.village_id)
        rule = db.session.get(Rule, campaign.rule_id)
        plans = [
            # Retired since the campaign was set up, the rule still pays what the council
            # decided and the notice published.
            plan_by_rule(
                rule,
                n.household_id,
                1,
                timezone=village.timezone,
                memo=campaign.title,
                even_retired=True,
            )
            for n in paid
        ]
    for nomination, plan in zip(paid, plans, strict=True):
        nomination.transfer_id = post_plan(plan, actor.user_id).id
    campaign.conferred_at = utcnow()
    campaign.conferred_by_id = actor.user_id
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=campaign.village_id,
        action="campaign.confer",
        target_type="campaign",
        target_id=campaign.id,
        changes={
            "winners": [n.household_id for n in paid],
            "transfers": [n.transfer_id for n in paid],
        },
    )
    return campaign, len(paid)


# --- titles ----------------------------------------------------------------------------------


def _award_stands() -> sa.ColumnElement[bool]:
    """The nomination's conferral award was posted and not reversed since: a title stands
    with its award, so a winner whose award the committee reversed holds it no more."""
    reversal = aliased(Transfer)
    return sa.and_(
        Nomination.transfer_id.is_not(None),
        ~sa.exists().where(reversal.reverses_id == Nomination.transfer_id),
    )


def _conferred_winners():
    return (
        sa.select(
            Campaign.id.label("campaign_id"),
            Campaign.title,
            Campaign.conferred_at,
            Nomination.id.label("nomination_id"),
            Nomination.household_id,
        )
        .join(Nomination, Nomination.campaign_id == Campaign.id)
        .where(
            Campaign.conferred_at.is_not(None),
            Nomination.won.is_(True),
            Nomination.status == STANDING,
            _award_stands(),
        )
    )


def _year_of(moment: dt.datetime, timezone: str) -> int:
    """The year of a stored instant in the village's calendar: conferred at 00:30 on January 1
    in Shanghai is still December 31 in UTC, and the title is of the new year, as on the
    certificate (``pdf.certificates_pdf``)."""
    return moment.astimezone(ZoneInfo(timezone)).year


def titles_of(household_id: int) -> list[dict[str, Any]]:
    """The titles a household holds, newest first: ``{title, campaign_id, year}``, the year
    the village's own (its time zone)."""
    rows = db.session.execute(
        _conferred_winners()
        .add_columns(Village.timezone)
        .join(Household, Household.id == Nomination.household_id)
        .join(Village, Village.id == Household.village_id)
        .where(Nomination.household_id == household_id)
        .order_by(Campaign.conferred_at.desc())
    )
    return [
        {
            "title": row.title,
            "campaign_id": row.campaign_id,
            "year": _year_of(row.conferred_at, row.timezone),
        }
        for row in rows
    ]


def honour_names(campaign_id: int) -> list[dict[str, Any]]:
    """The paid winners of a conferred campaign, in rank order: ``{number, head_name}``."""
    rows = db.session.execute(
        sa.select(Household.number, Household.head_name)
        .join(Nomination, Nomination.household_id == Household.id)
        .where(
            Nomination.campaign_id == campaign_id,
            Nomination.won.is_(True),
            Nomination.status == STANDING,
            _award_stands(),
        )
        .order_by(Nomination.rank)
    )
    return [{"number": row.number, "head_name": row.head_name} for row in rows]


def honour_roll(village_id: int, *, days: int = 366) -> list[dict[str, Any]]:
    """The 光荣榜: campaigns conferred in the last ``days`` days with their winners (number,
    head), newest first; each campaign's year is the village's own (its time zone)."""
    timezone = find_village(village_id).timezone
    since = utcnow() - dt.timedelta(days=days)
    rows = db.session.execute(
        _conferred_winners()
        .add_columns(Household.number, Household.head_name, Household.village_id)
        .join(Household, Household.id == Nomination.household_id)
        .where(scope.open_to_village(village_id), Campaign.conferred_at >= since)
        .order_by(Campaign.conferred_at.desc(), Nomination.rank)
    )
    roll: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = roll.setdefault(
            row.campaign_id,
            {
                "campaign_id": row.campaign_id,
                "title": row.title,
                "year": _year_of(row.conferred_at, timezone),
                "winners": [],
            },
        )
        entry["winners"].append(
            {
                "household_id": row.household_id,
                "village_id": row.village_id,
                "number": row.number,
                "head_name": row.head_name,
            }
        )
    return list(roll.values())
