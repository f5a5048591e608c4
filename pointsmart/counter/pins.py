"""Household PINs: what a village may ask at the counter before a large sale.

* A PIN is 6 digits, stored as an argon2id hash (``accounts.passwords``); only an admin of the
  village sets or resets it.
* A village sets ``pin_required_above``: a sale of more points than that needs the PIN.
* Guessing is limited: after ``MAX_ATTEMPTS`` wrong PINs in a row the PIN locks for
  ``LOCK_MINUTES`` (429 ``pin_locked``), whatever shop or worker the guesses come from. A right
  PIN resets the count.

Each attempt is counted *before* its PIN is checked, where neither the refusal's rollback
nor guesses sent at the same moment can miss it (``refusals``): of twelve wrong PINs sent at
once, five are checked and seven find the PIN locked (on SQLite one more may be checked). A
right PIN takes its attempt back.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import validate

from ..accounts.auth import Principal
from ..accounts.passwords import hash_secret, verify_secret
from ..audit import service as audit
from ..database import UTCDateTime, utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..households.service import require_not_moved_away
from ..lookups import get_or_refuse
from ..refusals import again_after_the_refusal, commit_the_count, committed_at_once
from ..text import Digits, clean_digits
from ..villages.models import Village
from ..villages.service import administered_village
from .errors import PinLocked, PinNotSet, PinRequired, PinWrong

MAX_ATTEMPTS = 5
LOCK_MINUTES = 15
PIN_PATTERN = re.compile(r"^[0-9]{6}\Z")
PIN_IS_SIX_DIGITS = _l("A PIN is 6 digits.")
PIN_OF_A_PHONE_MATE = _l(
    "Another household with this phone number has this PIN. Choose a different one: "
    "the PIN tells the households of one phone apart."
)


def Pin(**kwargs) -> Digits:
    """A form's or the API's PIN field: six digits, however typed (``text.clean_digits``)."""
    return Digits(validate=validate.Regexp(PIN_PATTERN, error=PIN_IS_SIX_DIGITS), **kwargs)


def set_pin(actor: Principal, household_id: int, pin: str) -> None:
    """Set or reset a household's PIN (admin of its village); unlocks it too."""
    household = get_or_refuse(Household, household_id, _l("No such household."))
    actor.require_admin(household.village_id)
    require_not_moved_away(household)
    pin = clean_digits(pin or "")
    if not PIN_PATTERN.match(pin):
        raise ValidationFailed(errors={"pin": [str(PIN_IS_SIX_DIGITS)]})
    # The admin may reset any PIN of the village: checking the phone's other households
    # tells them nothing they could not set, so it is no guess (unlike a villager's change).
    if any(verify_secret(pin_hash, pin) for _, pin_hash in phone_mates_with_pins(household)):
        raise ValidationFailed(errors={"pin": [str(PIN_OF_A_PHONE_MATE)]})
    household.pin_hash = hash_secret(pin)
    household.pin_failed_attempts = 0
    household.pin_locked_until = None
    db.session.flush()
    # Never the PIN itself, nor its hash.
    audit.record(
        actor_id=actor.user_id,
        village_id=household.village_id,
        action="household.pin_reset",
        target_type="household",
        target_id=household.id,
        changes={"number": household.number},
    )


def phone_mates_with_pins(household: Household) -> list[sa.Row]:
    """``(id, pin_hash)`` of the other active households that sign in with this household's
    phone: the PIN decides which of them a sign-in opens, so none may share a PIN."""
    if not household.phone:
        return []
    return db.session.execute(
        sa.select(Household.id, Household.pin_hash).where(
            Household.phone == household.phone,
            Household.id != household.id,
            Household.status == "active",
            Household.pin_hash.is_not(None),
        )
    ).all()


def set_pin_threshold(actor: Principal, village_id: int, pin_required_above: int | None) -> Village:
    """Set above how many points a sale needs the household's PIN (None: never)."""
    village = administered_village(actor, village_id)
    if pin_required_above is not None and pin_required_above < 0:
        raise ValidationFailed(errors={"pin_required_above": [str(_l("0 or more points."))]})
    changes = audit.diff(
        {"pin_required_above": village.pin_required_above},
        {"pin_required_above": pin_required_above},
    )
    village.pin_required_above = pin_required_above
    db.session.flush()
    audit.record_village_update(actor_id=actor.user_id, village_id=village_id, changes=changes)
    return village


def pin_needed(pin_required_above: int | None, total_points: int) -> bool:
    return pin_required_above is not None and total_points > pin_required_above


def check_pin(household: Household, pin: str | None) -> None:
    """Let a sale through with the household's right PIN, or refuse it.

    Raises ``PinNotSet`` (409, whether a PIN was typed or not: nobody should ask the villager
    for a PIN that does not exist), ``PinLocked`` (429), ``PinRequired`` (403, none given) or
    ``PinWrong`` (403, and the attempt stays counted).
    """
    if household.pin_hash is None:
        raise PinNotSet()
    pin = clean_digits(pin or "")
    if not pin:
        refuse_if_locked(household.id)
        raise PinRequired()
    attempt = attempt_or_refusal(household.id)
    if not verify_secret(household.pin_hash, pin):
        keep_attempt(attempt)
        refuse_if_it_locked(attempt)
        raise PinWrong(
            _l("%(left)s more tries before the PIN locks.", left=attempt.tries_left),
            tries_left=attempt.tries_left,
        )
    clear_attempts(household)


@dataclass(frozen=True)
class Attempt:
    """A PIN attempt counted before its check (see the module)."""

    household_id: int
    tries_left: int  # after this one, if it is wrong
    locks: bool  # this attempt used the last try: the PIN is locked unless it is right


_households = Household.__table__
_UNLOCKED = sa.or_(
    _households.c.pin_locked_until.is_(None),
    _households.c.pin_locked_until <= sa.bindparam("now", type_=UTCDateTime()),
)
_LAST_TRY = _households.c.pin_failed_attempts + 1 >= MAX_ATTEMPTS
# One statement counts the attempt, and locks the PIN if it is the last try: a guess sent at
# the same moment waits on the row, then finds it counted (or locked) and is not checked.
_TAKE_ATTEMPT = (
    _households.update()
    .where(_households.c.id == sa.bindparam("household_id"), _UNLOCKED)
    .values(
        pin_failed_attempts=sa.case((_LAST_TRY, 0), else_=_households.c.pin_failed_attempts + 1),
        pin_locked_until=sa.case(
            (_LAST_TRY, sa.bindparam("locked_until", type_=UTCDateTime())), else_=sa.null()
        ),
    )
    .returning(_households.c.pin_failed_attempts, _households.c.pin_locked_until)
)
_CLEAR = (
    _households.update()
    .where(_households.c.id == sa.bindparam("household_id"))
    .values(pin_failed_attempts=0, pin_locked_until=None)
)


def take_attempt(household_id: int) -> Attempt | None:
    """Count an attempt at the household's PIN before checking it; None: the PIN is locked."""
    now = utcnow()
    params = {
        "household_id": household_id,
        "now": now,
        "locked_until": now + dt.timedelta(minutes=LOCK_MINUTES),
    }
    row = committed_at_once(lambda connection: connection.execute(_TAKE_ATTEMPT, params).first())
    if row is None:
        return None
    locks = row.pin_locked_until is not None
    return Attempt(household_id, 0 if locks else MAX_ATTEMPTS - row.pin_failed_attempts, locks)


def attempt_or_refusal(household_id: int) -> Attempt:
    """:func:`take_attempt`, or ``PinLocked`` with the minutes left while the PIN is locked.

    A lock that ended between the count and the refusal's reading of it is no lock: the
    attempt is counted again then."""
    for _ in range(2):
        attempt = take_attempt(household_id)
        if attempt is not None:
            return attempt
        refuse_if_locked(household_id)
    raise PinLocked()


def refuse_if_it_locked(attempt: Attempt) -> None:
    """A wrong attempt that used the last try: ``PinLocked`` for the whole lock."""
    if attempt.locks:
        raise PinLocked(
            _l("Try again in %(minutes)s minutes.", minutes=LOCK_MINUTES),
            retry_after_seconds=LOCK_MINUTES * 60,
        )


def keep_attempt(attempt: Attempt, *, alone: bool = False) -> None:
    """The PIN was wrong: the attempt stays counted, although the request is refused.

    ``alone``: the caller's transaction has written nothing but attempts (a sign-in): the
    count is committed now (``refusals.commit_the_count``)."""
    if alone:
        commit_the_count()
        return
    params = {
        "household_id": attempt.household_id,
        "now": utcnow(),
        "locked_until": utcnow() + dt.timedelta(minutes=LOCK_MINUTES),
    }
    again_after_the_refusal(lambda connection: connection.execute(_TAKE_ATTEMPT, params))


def clear_attempts(household: Household) -> None:
    """The PIN was right: wrong PINs in a row start again from none, this attempt included."""
    committed_at_once(lambda connection: connection.execute(_CLEAR, {"household_id": household.id}))
    db.session.expire(household, ["pin_failed_attempts", "pin_locked_until"])


def give_back(attempt: Attempt) -> None:
    """Take back an attempt that was no guess (a phone's other household had the right PIN).

    If it locked the PIN, no attempt can have been counted since: unlock it, one try left.
    """
    undo = (
        _households.update()
        .where(_households.c.id == attempt.household_id)
        .values(
            pin_failed_attempts=sa.case(
                (_households.c.pin_locked_until.is_not(None), MAX_ATTEMPTS - 1),
                (_households.c.pin_failed_attempts > 0, _households.c.pin_failed_attempts - 1),
                else_=0,
            ),
            pin_locked_until=None,
        )
    )
    if not attempt.locks:
        undo = undo.where(_households.c.pin_locked_until.is_(None))
    committed_at_once(lambda connection: connection.execute(undo))


def refuse_if_locked(household_id: int) -> None:
    """Raise ``PinLocked`` with the minutes left while the household's PIN is locked."""
    until = db.session.execute(
        sa.select(_households.c.pin_locked_until).where(_households.c.id == household_id)
    ).scalar_one_or_none()
    now = utcnow()
    if until is not None and until > now:
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise PinLocked(
            _l("Try again in %(minutes)s minutes.", minutes=minutes),
            retry_after_seconds=int((until - now).total_seconds()) + 1,
        )


def pin_state(household: Household) -> dict:
    """For staff pages: whether a PIN is set and whether it is locked now."""
    locked = household.pin_locked_until is not None and household.pin_locked_until > utcnow()
    return {"pin_set": household.pin_hash is not None, "pin_locked": locked}
