"""Campaigns and nominations: the rules of setting up a campaign and of nominating.

* **Setting up** (an admin of the village): a title, the award rule whose points the winners
  get (a rule of the village, in force, worth points), the seats, the three windows, the
  quorum, the majority, the tie-break, whether villagers nominate and how many 豆选 beans a
  household gives. The council is staff users of the village (each optionally living in a
  household of it) and villagers (households). The quorum cannot exceed the council's size.
* **Nominating** (during the nomination window): leaders and admins of the village, and,
  when the campaign allows, a household signed in on ``/me``; any active household of the
  village, once per campaign, with the reason in words and an optional photo, checked and
  re-encoded as goods photos are (``counter.photos.clean_photo``).
* **Declining**: the nominated household itself (or an admin for it) until conferral; a
  declined nominee is out of the vote and of the result.

The council's review and publication are in ``review``, objections and conferral in
``conferral``. A township's or county's campaign (``regional``) follows the same rules with
"the village" read as "the villages under the region" and "the village's admins" (who set
up, publish and confer) as "the region's admins" (``scope``).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..database import utcnow
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..lookups import get_or_refuse
from ..periods import local_today
from ..rules import catalogue as rule_service
from ..rules.models import Rule
from ..text import reason_text
from ..villages.models import Village
from ..villages.service import find_village
from . import scope, windows
from .council import check_council
from .errors import AlreadyNominated, NominationDeclined, WindowClosed
from .models import (
    BEANS,
    DECLINED,
    STANDING,
    TIE_BREAKS,
    Campaign,
    CouncilMember,
    Nomination,
)
from .once import add_once

PHOTO_DIR = "campaign-photos"


def _error(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(errors={field: [str(message)]})


# --- finding -------------------------------------------------------------------------------


def find_campaign(campaign_id: int, *, lock: bool = False, share: bool = False) -> Campaign:
    """The campaign; with ``lock`` its row is locked (``SELECT ... FOR UPDATE``: publishing,
    declining, deciding an objection, conferring), with ``share`` locked shared (``FOR
    SHARE``: nominating, voting, giving beans, which do not wait for each other but wait for
    a publication and it for them), and either way read again, even when this transaction
    read it before (what it read then may have changed before the lock was granted)."""
    locking = True if lock else ({"read": True} if share else None)
    campaign = db.session.get(
        Campaign, campaign_id, with_for_update=locking, populate_existing=lock or share
    )
    if campaign is None:
        raise NotFound(_l("No such campaign."))
    return campaign


def find_nomination(nomination_id: int) -> Nomination:
    return get_or_refuse(Nomination, nomination_id, _l("No such nomination."))


def today_for(campaign: Campaign) -> dt.date:
    return local_today(scope.timezone_of(campaign))


def require_reader(actor: Principal, campaign: Campaign) -> None:
    """Staff of the village (of a village under the region, or of the region) and its
    households see a campaign; nobody else learns of it."""
    if actor.household_id is not None:
        if not scope.is_open_to(campaign, actor.household_village_id):
            raise NotFound(_l("No such campaign."))
        return
    if scope.may_run(actor, campaign):
        return
    if not any(actor.is_staff_of(v) for v in scope.village_ids(campaign)):
        raise Forbidden(_l("Only staff of this village may do this."))


def council_of(campaign_id: int) -> list[CouncilMember]:
    return list(
        db.session.execute(
            sa.select(CouncilMember)
            .where(CouncilMember.campaign_id == campaign_id)
            .order_by(CouncilMember.id)
        ).scalars()
    )


def nominations_of(campaign_id: int) -> list[Nomination]:
    return list(
        db.session.execute(
            sa.select(Nomination)
            .where(Nomination.campaign_id == campaign_id)
            .order_by(Nomination.id)
        ).scalars()
    )


def campaigns_of(actor: Principal, village_id: int) -> list[Campaign]:
    """The village's campaigns and those of its township and county, newest first (staff and
    households of the village)."""
    find_village(village_id)
    if actor.household_id is not None:
        if actor.household_village_id != village_id:
            raise Forbidden(_l("You may only see your own village."))
    else:
        actor.require_staff(village_id)
    return list(
        db.session.execute(
            sa.select(Campaign)
            .where(scope.open_to_village(village_id))
            .order_by(Campaign.id.desc())
            .limit(200)
        ).scalars()
    )


# --- setting up ------------------------------------------------------------------------------


def _award_rule(rule_id: int, village: Village, day: dt.date) -> Rule:
    rule = db.session.get(Rule, rule_id)
    if rule is None or rule.village_id != village.id:
        raise _error("rule_id", _l("No such rule in this village."))
    version = rule_service.version_on(rule.id, day) if rule.active else None
    if version is None or version.points <= 0 or rule.unit != "each":
        raise _error("rule_id", _l("Choose a rule in use that gives points, counted each time."))
    return rule


def create_campaign(actor: Principal, village_id: int, **data: Any) -> Campaign:
    """Set up a campaign of the village (admins of the village)."""
    village = find_village(village_id)
    actor.require_admin(village_id)
    today = local_today(village.timezone)
    rule = _award_rule(data["rule_id"], village, max(today, data["review_until"]))
    return build_campaign(
        actor,
        today,
        data,
        owner={"village_id": village_id, "rule_id": rule.id},
        village_ids=[village_id],
        region_ids=[],
    )


def build_campaign(
    actor: Principal,
    today: dt.date,
    data: dict[str, Any],
    *,
    owner: dict[str, int],
    village_ids: list[int],
    region_ids: list[int],
) -> Campaign:
    """Check the rest of a campaign's setting up and write it with its council. ``owner``:
    ``village_id`` and ``rule_id``, or ``region_id`` and ``points``; the council is staff of
    ``village_ids`` or ``region_ids`` and households of ``village_ids``."""
    title = (data.get("title") or "").strip()
    if not title:
        raise _error("title", _l("Give the campaign a title."))
    if not data["nominate_from"] <= data["nominate_until"] <= data["review_until"]:
        raise _error(
            "review_until",
            _l("Nominations start, then end, then the review ends: the dates are out of order."),
        )
    if data["review_until"] < today:
        raise _error("review_until", _l("The review ends in the past."))
    members = [{"user_id": user_id, "household_id": None} for user_id in data.get("council", [])]
    members += data.get("council_members") or []
    council = check_council(village_ids, region_ids, members)
    if data["quorum"] > len(council):
        raise _error("quorum", _l("The quorum is larger than the council."))
    tie_break = data.get("tie_break") or BEANS
    if tie_break not in TIE_BREAKS:
        raise _error("tie_break", _l("Unknown tie-break."))
    campaign = Campaign(
        **owner,
        title=title,
        seats=data["seats"],
        nominate_from=data["nominate_from"],
        nominate_until=data["nominate_until"],
        review_until=data["review_until"],
        notice_days=data["notice_days"],
        quorum=data["quorum"],
        majority_percent=data.get("majority_percent") or 50,
        tie_break=tie_break,
        villagers_nominate=bool(data.get("villagers_nominate")),
        bean_votes=data.get("bean_votes") or 0,
        created_by_id=actor.user_id,
        created_at=utcnow(),
    )
    db.session.add(campaign)
    db.session.flush()
    db.session.add_all(
        CouncilMember(campaign_id=campaign.id, user_id=user_id, household_id=household_id)
        for user_id, household_id in council
    )
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=campaign.village_id,
        action="campaign.create",
        target_type="campaign",
        target_id=campaign.id,
        changes={
            **owner,
            "title": title,
            "seats": campaign.seats,
            "windows": windows.dates(campaign),
            "notice_days": campaign.notice_days,
            "quorum": campaign.quorum,
            "council": [list(pair) for pair in council],
        },
    )
    return campaign


# --- nominating ------------------------------------------------------------------------------


def _require_nominator(actor: Principal, campaign: Campaign, village_id: int) -> None:
    """Leaders and admins of the nominee's village; its households if the campaign allows."""
    if actor.household_id is not None:
        if not scope.is_open_to(campaign, actor.household_village_id):
            raise NotFound(_l("No such campaign."))
        if not campaign.villagers_nominate:
            raise Forbidden(_l("In this campaign, leaders and the committee nominate."))
        if actor.household_village_id != village_id:
            raise _error("household_id", _l("No such household in this village."))
        return
    actor.require_awarder(village_id)


def store_photo(data: bytes) -> str:
    """Check and re-encode a nominee's photo as goods photos are; return its file name."""
    from ..counter.photos import clean_photo

    cleaned = clean_photo(data)
    configured = current_app.config.get("CAMPAIGN_PHOTO_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / PHOTO_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.jpg"
    temporary = folder / f"{name}.part"
    temporary.write_bytes(cleaned)
    os.replace(temporary, folder / name)
    return name


def readable_photo(viewer: Principal | None, nomination_id: int) -> Path | None:
    """A nominee's photo file, for whoever may read its campaign; None for anyone else, as
    for a nomination that does not exist or has no photo (nobody learns which)."""
    nomination = db.session.get(Nomination, nomination_id)
    if viewer is None or nomination is None:
        return None
    try:
        require_reader(viewer, find_campaign(nomination.campaign_id))
    except (Forbidden, NotFound):
        return None
    return photo_path(nomination)


def photo_path(nomination: Nomination) -> Path | None:
    if not nomination.photo:
        return None
    configured = current_app.config.get("CAMPAIGN_PHOTO_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / PHOTO_DIR
    path = folder / nomination.photo
    return path if path.is_file() else None


def nominate(
    actor: Principal,
    campaign_id: int,
    *,
    household_id: int,
    reason: str,
    photo: bytes | None = None,
) -> Nomination:
    """Nominate a household of the campaign's village (of a village under the campaign's
    township or county), once per campaign. The campaign's row is locked shared first, so a
    nomination and the publication (which closes nominating) run one after the other."""
    campaign = find_campaign(campaign_id, share=True)
    household = db.session.get(Household, household_id)
    open_here = (
        household is not None
        and household.status == "active"
        and scope.is_open_to(campaign, household.village_id)
    )
    if not open_here:
        if actor.household_id is None and campaign.village_id is not None:
            actor.require_awarder(campaign.village_id)
        elif actor.household_id is not None:
            _require_nominator(actor, campaign, actor.household_village_id)
        raise _error("household_id", _l("No such household in this village."))
    village_id = household.village_id
    _require_nominator(actor, campaign, village_id)
    windows.require(campaign, windows.NOMINATION, today_for(campaign))
    reason = reason_text(reason)
    if db.session.execute(
        sa.select(Nomination.id).where(
            Nomination.campaign_id == campaign.id, Nomination.household_id == household_id
        )
    ).first():
        raise AlreadyNominated()
    nomination = Nomination(
        campaign_id=campaign.id,
        village_id=village_id,
        household_id=household_id,
        reason=reason,
        nominated_by_id=actor.user_id,
        nominated_by_household_id=actor.household_id if actor.user_id is None else None,
        created_at=utcnow(),
        status=STANDING,
    )
    add_once(nomination, AlreadyNominated())  # two leaders at once: one nomination
    # Stored once nothing but the photo itself can refuse the nomination.
    photo_name = store_photo(photo) if photo else None
    nomination.photo = photo_name
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action="campaign.nominate",
        target_type="nomination",
        target_id=nomination.id,
        changes={
            "campaign_id": campaign.id,
            "household_id": household_id,
            "by_household_id": nomination.nominated_by_household_id,
            "reason": reason,
            "photo": photo_name is not None,
        },
    )
    return nomination


def decline(actor: Principal, nomination_id: int) -> Nomination:
    """The nominated household declines (or an admin of its village, or one who runs the
    campaign, records that it did), until conferral."""
    nomination = find_nomination(nomination_id)
    if actor.household_id is not None:
        if actor.household_id != nomination.household_id:
            raise Forbidden(_l("Only the nominated household may decline."))
    elif not actor.is_admin_of(nomination.village_id):
        scope.require_runner(actor, find_campaign(nomination.campaign_id))
    # Under the campaign's lock, which every change of a nomination's standing takes (a
    # decline, an upheld objection, the publication), the nomination is read again: two
    # declines at once decline once, and the second is refused as if it came later.
    campaign = find_campaign(nomination.campaign_id, lock=True)
    db.session.refresh(nomination)
    if nomination.status != STANDING:
        raise NominationDeclined()
    if campaign.conferred_at is not None:
        raise WindowClosed(window="conferred", **windows.dates(campaign))
    nomination.status = DECLINED
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=nomination.village_id,
        action="campaign.decline",
        target_type="nomination",
        target_id=nomination.id,
        changes={"campaign_id": campaign.id, "household_id": nomination.household_id},
    )
    return nomination
