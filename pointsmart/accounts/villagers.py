"""Villagers sign in with their household's phone number and 6-digit PIN.

* The PIN and its lockout are the counter's (``counter.pins``): the same hash, the same count
  of wrong PINs in a row, the same 15-minute lock after five, whether the guesses come from
  the counter or from the sign-in page.
* A phone may belong to several households; the PIN decides which. Every household with that
  phone and a PIN is tried. Any failure (an unknown phone, a wrong PIN, a locked PIN, a
  household that moved away) gets the same 401, so nobody learns which phones exist; and each
  costs a PIN check per household of the phone (one for a phone of none), locked or not, so
  the time taken does not tell them either.
* A wrong PIN counts a failed attempt on every unlocked household with that phone. Each
  attempt is counted before the PIN is checked, as at the counter (``counter.pins``), so
  guesses sent at once cannot outrun the lock; when one household's PIN is right, the
  attempts counted on the phone's other households are taken back.
* A PIN set or reset by an admin must be changed at the first sign-in
  (``Household.pin_must_change``). A household does not choose the PIN of another household
  with its phone (``_pin_of_a_phone_mate``): that PIN would open the other household.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..counter import pins
from ..counter.pins import PIN_PATTERN
from ..database import utcnow
from ..errors import Forbidden, Unauthorized, ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..text import clean_digits, clean_phone
from .models import ApiToken
from .passwords import hash_secret, needs_rehash, verify_secret
from .principal import Principal
from .service import WEB_SESSION_HOURS, IssuedToken, _digest, revoke_other_tokens


class PinMustChange(Forbidden):
    code = "pin_must_change"
    title = _l("Choose a new PIN first: the one you were given was set by the village.")


def issue_villager_token(phone: str, pin: str) -> IssuedToken:
    """Check a villager's phone and PIN and issue an API token for the household."""
    return _sign_in(phone, pin, hours=current_app.config["API_TOKEN_HOURS"])


def start_villager_session(phone: str, pin: str) -> IssuedToken:
    """Check a villager's phone and PIN and open a web session for the household."""
    return _sign_in(phone, pin, hours=WEB_SESSION_HOURS)


def _sign_in(phone: str, pin: str, *, hours: int) -> IssuedToken:
    phone = clean_phone(phone or "")
    pin = clean_digits(pin or "")
    candidates = []
    if phone and PIN_PATTERN.match(pin):
        candidates = (
            db.session.execute(
                sa.select(Household)
                .where(
                    Household.phone == phone,
                    Household.status == "active",
                    Household.pin_hash.is_not(None),
                )
                .order_by(Household.id)
            )
            .scalars()
            .all()
        )
    if not candidates:
        verify_secret(None, pin)  # as long as a wrong PIN takes
        raise Unauthorized(_l("Wrong phone number or PIN."))
    counted = []
    for household in candidates:
        attempt = pins.take_attempt(household.id)
        if attempt is None:  # locked: refused, after as long as a wrong PIN takes
            verify_secret(None, pin)
            continue
        if verify_secret(household.pin_hash, pin):
            for other in counted:
                pins.give_back(other)
            pins.clear_attempts(household)
            if needs_rehash(household.pin_hash):
                # Stronger parameters than when it was stored: store it again. A PIN the
                # household chose stays chosen (``pin_chosen_hash`` follows).
                chosen = household.pin_chosen_hash == household.pin_hash
                household.pin_hash = hash_secret(pin)
                if chosen:
                    household.pin_chosen_hash = household.pin_hash
            return _issue(household, hours)
        counted.append(attempt)
    for attempt in counted:
        pins.keep_attempt(attempt, alone=True)
    raise Unauthorized(_l("Wrong phone number or PIN."))


def _issue(household: Household, hours: int) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(hours=hours)
    db.session.add(
        ApiToken(token_hash=_digest(token), household_id=household.id, expires_at=expires_at)
    )
    db.session.flush()
    return IssuedToken(
        token=token,
        expires_at=expires_at,
        principal=household_principal(household),
        display_name=household.head_name,
        pin_must_change=household.pin_must_change,
    )


def household_principal(household: Household) -> Principal:
    return Principal(
        household_id=household.id,
        household_village_id=household.village_id,
        pin_must_change=household.pin_must_change,
    )


def _pin_of_a_phone_mate(household: Household, pin: str) -> bool:
    """Whether another household that signs in with the same phone has ``pin``: the PIN
    decides which household a sign-in opens, so the phone's households need different ones.

    Each check is a guess at that household's PIN, counted as at sign-in (a wrong one stays
    counted, a right one is taken back), so it tells no more than signing in with the PIN
    would; a household whose PIN is locked is not checked."""
    for mate_id, pin_hash in pins.phone_mates_with_pins(household):
        attempt = pins.take_attempt(mate_id)
        if attempt is not None and verify_secret(pin_hash, pin):
            pins.give_back(attempt)
            return True
    return False


def change_pin(
    actor: Principal, current_pin: str, new_pin: str, *, keep_token: str | None = None
) -> None:
    """The household signed in chooses a new PIN; it must know the current one.

    Every other session and token of the household ends (whoever knew the old PIN is signed
    out); ``keep_token``, the session or token making the change, stays.
    """
    if actor.household_id is None:
        raise Forbidden(_l("Only a household signed in with its PIN may change it here."))
    household = db.session.get(Household, actor.household_id)
    errors: dict[str, list[str]] = {}
    new_pin, current_pin = clean_digits(new_pin or ""), clean_digits(current_pin or "")
    if not PIN_PATTERN.match(new_pin):
        errors["new_pin"] = [str(_l("A PIN is 6 digits."))]
    elif household is not None and verify_secret(household.pin_hash, new_pin):
        errors["new_pin"] = [str(_l("Choose a PIN different from the one you were given."))]
    # The current PIN is a guess like any other: counted first, as at sign-in (``pins``).
    attempt = pins.attempt_or_refusal(household.id) if household is not None else None
    if household is None or not verify_secret(household.pin_hash, current_pin or ""):
        if attempt is not None:
            pins.keep_attempt(attempt, alone=True)
            pins.refuse_if_it_locked(attempt)
        raise ValidationFailed(errors={"pin": [str(_l("The current PIN is wrong."))]})
    pins.clear_attempts(household)
    if not errors and _pin_of_a_phone_mate(household, new_pin):
        errors["new_pin"] = [str(pins.PIN_OF_A_PHONE_MATE)]
    if errors:
        raise ValidationFailed(errors=errors)
    household.pin_hash = hash_secret(new_pin)
    household.pin_chosen_hash = household.pin_hash
    revoke_other_tokens(household_id=household.id, keep=keep_token)
    db.session.flush()
