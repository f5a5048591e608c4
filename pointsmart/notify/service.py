"""Consent, stop, the monthly cap and what the admin page shows: the rules live here.

The committee (an admin of the village) records a household's consent with its mobile
number, and may stop it; the household stops it itself from ``/me``; the provider's stop
reply stops every consent on that number. Every change is audited.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..database import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..households.service import household_id_by_number, require_not_moved_away
from ..lookups import get_or_refuse
from ..periods import current_period
from ..text import MOBILE, clean_phone
from ..villages.service import administered_village
from .models import (
    COUNTED,
    DEFAULT_MONTHLY_CAP,
    OutboxMessage,
    SmsConsent,
    SmsVillageSettings,
)
from .provider import provider_settings
from .settings import quiet_hours

MAX_MONTHLY_CAP = 100_000


def _household(actor: Principal, household_id: int) -> Household:
    household = get_or_refuse(Household, household_id, _l("No such household."))
    actor.require_admin(household.village_id)
    return household


def record_consent(actor: Principal, household_id: int, *, phone: str) -> SmsConsent:
    """The committee records that the household agreed to get texts on ``phone``."""
    household = _household(actor, household_id)
    number = clean_phone(phone or "")
    if not MOBILE.match(number):
        raise ValidationFailed(
            errors={"phone": [str(_l("Write the 11-digit mobile number, such as 13812345678."))]}
        )
    require_not_moved_away(household)
    consent = db.session.get(SmsConsent, household_id)
    before = None
    if consent is None:
        consent = SmsConsent(household_id=household_id, village_id=household.village_id)
        db.session.add(consent)
    else:
        before = {"phone": consent.phone, "stopped": consent.stopped_at is not None}
    consent.phone = number
    consent.consented_at = utcnow()
    consent.recorded_by_id = actor.user_id
    consent.stopped_at = consent.stopped_via = None
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=household.village_id,
        action="sms.consent",
        target_type="household",
        target_id=household_id,
        changes={"phone": [before and before["phone"], number]},
    )
    return consent


def stop(actor: Principal, household_id: int) -> SmsConsent | None:
    """Stop the household's texts: the household itself, or an admin of its village."""
    household = get_or_refuse(Household, household_id, _l("No such household."))
    if actor.household_id is not None:
        actor.require_household_reader(household.village_id, household_id)
        via = "villager"
    else:
        actor.require_admin(household.village_id)
        via = "committee"
    consent = db.session.get(SmsConsent, household_id)
    if consent is None or consent.stopped_at is not None:
        return consent
    consent.stopped_at, consent.stopped_via = utcnow(), via
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=household.village_id,
        action="sms.stop",
        target_type="household",
        target_id=household_id,
        changes={"stopped_via": [None, via]},
    )
    return consent


# Replies that stop a number's texts, as the provider's own unsubscribe words.
STOP_WORDS = frozenset({"TD", "T", "N", "0000", "STOP", "退订", "取消", "退"})


def is_stop_reply(content: str) -> bool:
    """Whether a reply asks to stop the texts: a stop word as a villager types it on a
    feature phone, in any case, full-width (ＴＤ, from a Chinese input method) or with
    punctuation and blanks around it (TD。, 退订！)."""
    folded = unicodedata.normalize("NFKC", content or "").upper()
    word = "".join(c for c in folded if not (c.isspace() or unicodedata.category(c)[0] == "P"))
    return word in STOP_WORDS


def stop_by_reply(phone: str) -> int:
    """The provider's stop reply from ``phone``: stop every active consent on it."""
    number = clean_phone(phone or "")
    consents = db.session.execute(
        sa.select(SmsConsent).where(SmsConsent.phone == number, SmsConsent.stopped_at.is_(None))
    ).scalars()
    stopped = 0
    for consent in consents:
        consent.stopped_at, consent.stopped_via = utcnow(), "reply"
        audit.record(
            actor_id=None,
            village_id=consent.village_id,
            action="sms.stop",
            target_type="household",
            target_id=consent.household_id,
            changes={"stopped_via": [None, "reply"]},
        )
        stopped += 1
    db.session.flush()
    return stopped


def consent_of(household_id: int) -> SmsConsent | None:
    """The household's consent, active or stopped (None: never given)."""
    return db.session.get(SmsConsent, household_id)


def monthly_cap(village_id: int) -> int:
    cap = db.session.execute(
        sa.select(SmsVillageSettings.monthly_cap).where(SmsVillageSettings.village_id == village_id)
    ).scalar_one_or_none()
    return DEFAULT_MONTHLY_CAP if cap is None else cap


def set_monthly_cap(actor: Principal, village_id: int, cap: int) -> int:
    """How many texts the village pays for in a month (0: none)."""
    administered_village(actor, village_id)
    if isinstance(cap, bool) or not isinstance(cap, int) or not 0 <= cap <= MAX_MONTHLY_CAP:
        raise ValidationFailed(errors={"monthly_cap": [str(_l("0 to 100,000 messages."))]})
    settings = db.session.get(SmsVillageSettings, village_id)
    old = monthly_cap(village_id)
    if settings is None:
        settings = SmsVillageSettings(village_id=village_id)
        db.session.add(settings)
    settings.monthly_cap = cap
    db.session.flush()
    if old != cap:
        audit.record(
            actor_id=actor.user_id,
            village_id=village_id,
            action="sms.cap",
            target_type="village",
            target_id=village_id,
            changes={"monthly_cap": [old, cap]},
        )
    return cap


def sent_in_month(village_id: int, period: str) -> int:
    """Messages of the village the provider has (or may have) this month: what the cap counts."""
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.village_id == village_id,
            OutboxMessage.sent_period == period,
            OutboxMessage.status.in_(COUNTED),
        )
    ).scalar_one()


@dataclass
class Overview:
    configured: bool
    missing_settings: list[str]
    period: str
    monthly_cap: int
    sent_this_month: int
    by_status: dict[str, int]
    consents: list[dict[str, Any]]
    quiet_hours: str | None  # "21:00-08:00" on the village's clock; None: texts at any hour


def overview(actor: Principal, village_id: int) -> Overview:
    """What the admin page and ``GET /villages/{id}/sms`` show."""
    village = administered_village(actor, village_id)
    period = current_period(village.timezone)
    settings = provider_settings(current_app.config)
    by_status = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count())
            .where(OutboxMessage.village_id == village_id)
            .group_by(OutboxMessage.status)
        ).all()
    )
    consents = [
        {
            "household_id": row.household_id,
            "number": row.number,
            "head_name": row.head_name,
            "phone": row.phone,
            "consented_at": row.consented_at,
            "stopped_at": row.stopped_at,
            "stopped_via": row.stopped_via,
            # Nothing more posts to it, and no summary is sent: its texts have ended.
            "moved_away": row.status != "active",
        }
        for row in db.session.execute(
            sa.select(
                SmsConsent.household_id,
                Household.number,
                Household.head_name,
                SmsConsent.phone,
                SmsConsent.consented_at,
                SmsConsent.stopped_at,
                SmsConsent.stopped_via,
                Household.status,
            )
            .join(Household, Household.id == SmsConsent.household_id)
            .where(SmsConsent.village_id == village_id)
            .order_by(Household.number)
        )
    ]
    return Overview(
        configured=settings.configured,
        missing_settings=settings.missing,
        period=period,
        monthly_cap=monthly_cap(village_id),
        sent_this_month=sent_in_month(village_id, period),
        by_status={status: int(count) for status, count in by_status.items()},
        consents=consents,
        quiet_hours=_quiet_hours_shown(),
    )


def _quiet_hours_shown() -> str | None:
    try:
        hours = quiet_hours(current_app.config)
    except ValueError:  # the worker refuses to start on it and says so
        return None
    return None if hours is None else f"{hours.start:%H:%M}-{hours.end:%H:%M}"


def household_by_number(actor: Principal, village_id: int, number: str) -> int:
    actor.require_admin(village_id)
    household_id = household_id_by_number(village_id, number)
    if household_id is None:
        raise ValidationFailed(
            errors={"number": [str(_l("No household with number %(n)s.", n=number))]}
        )
    return household_id
