"""Household PINs: what a village may ask at the counter before a large sale.

* A PIN is 6 digits, stored as an argon2id hash (``accounts.passwords``); only an admin of the
  village sets or resets it.
* A village sets ``pin_required_above``: a sale of more points than that needs the PIN.
* Guessing is limited: after ``MAX_ATTEMPTS`` wrong PINs in a row the PIN locks for
  ``LOCK_MINUTES`` (429 ``pin_locked``), whatever shop or worker the guesses come from. A right
  PIN resets the count.

A wrong PIN refuses the request, and a refused request rolls back everything it did. The
failed attempt must survive that, so it is recorded *after* the rollback, in a transaction of
its own (``refusals.write_after_the_refusal``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from flask_babel import lazy_gettext as _l
from marshmallow import validate

from ..accounts.auth import Principal
from ..accounts.passwords import hash_secret, verify_secret
from ..audit import service as audit
from ..database import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..households.service import require_not_moved_away
from ..lookups import get_or_refuse
from ..refusals import write_after_the_refusal
from ..text import Digits, clean_digits
from ..villages.models import Village
from ..villages.service import administered_village
from .errors import PinLocked, PinNotSet, PinRequired, PinWrong

MAX_ATTEMPTS = 5
LOCK_MINUTES = 15
PIN_PATTERN = re.compile(r"^[0-9]{6}\Z")
PIN_IS_SIX_DIGITS = _l("A PIN is 6 digits.")


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

    Raises ``PinLocked`` (429), ``PinRequired`` (403, none given), ``PinNotSet`` (409) or
    ``PinWrong`` (403, and the attempt is counted).
    """
    now = utcnow()
    if household.pin_locked_until is not None and household.pin_locked_until > now:
        minutes = max(1, int((household.pin_locked_until - now).total_seconds() // 60) + 1)
        raise PinLocked(
            _l("Try again in %(minutes)s minutes.", minutes=minutes),
            retry_after_seconds=int((household.pin_locked_until - now).total_seconds()) + 1,
        )
    pin = clean_digits(pin or "")
    if not pin:
        raise PinRequired()
    if household.pin_hash is None:
        raise PinNotSet()
    if not verify_secret(household.pin_hash, pin):
        left = max(0, MAX_ATTEMPTS - household.pin_failed_attempts - 1)
        write_after_the_refusal(functools.partial(record_failure, household.id))
        if left == 0:
            raise PinLocked(
                _l("Try again in %(minutes)s minutes.", minutes=LOCK_MINUTES),
                retry_after_seconds=LOCK_MINUTES * 60,
            )
        raise PinWrong(_l("%(left)s more tries before the PIN locks.", left=left), tries_left=left)
    if household.pin_failed_attempts or household.pin_locked_until is not None:
        household.pin_failed_attempts = 0
        household.pin_locked_until = None


def record_failure(household_id: int) -> None:
    """Count one wrong PIN; at ``MAX_ATTEMPTS`` in a row, lock the PIN for a while."""
    table = Household.__table__
    db.session.execute(
        table.update()
        .where(table.c.id == household_id)
        .values(pin_failed_attempts=table.c.pin_failed_attempts + 1)
    )
    db.session.execute(
        table.update()
        .where(table.c.id == household_id, table.c.pin_failed_attempts >= MAX_ATTEMPTS)
        .values(
            pin_failed_attempts=0, pin_locked_until=utcnow() + dt.timedelta(minutes=LOCK_MINUTES)
        )
    )


def pin_state(household: Household) -> dict:
    """For staff pages: whether a PIN is set and whether it is locked now."""
    locked = household.pin_locked_until is not None and household.pin_locked_until > utcnow()
    return {"pin_set": household.pin_hash is not None, "pin_locked": locked}
