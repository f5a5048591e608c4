"""Household cards: the signed QR token and the short code for typing.

* The QR code holds ``<PUBLIC_BASE_URL>/c/<token>``. The token is signed with the app's secret
  (itsdangerous, with its own salt) over ``[household_id, card_version]`` and holds nothing
  personal. Forging one needs the secret.
* The short code is for when a camera fails: 8 random characters and a check character from
  an alphabet without look-alikes (no 0/O, 1/I/L). The check character (Luhn mod 32) catches
  every single mistyped character and nearly every swap of two neighbours, so a typo is reported as
  a typo instead of finding another household.
* Reissuing bumps the household's card version; every older token and code stops at once
  (``CardRevoked``, 410). Each issue is kept in ``cards``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from ..audit import service as audit
from ..errors import NotFound, Problem
from ..extensions import db
from ..schemas import MAX_ID
from .models import Card, Household

# 32 symbols: digits and capitals without 0, O, 1 and I, which people mix up.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_BODY_LENGTH = 8
TOKEN_SALT = "pointsmart.card.v1"  # noqa: S105 - a namespace for signatures, not a secret
CARD_PATH = re.compile(r"/c/(?P<token>[A-Za-z0-9_\-\.]+)/?$")


class CardRevoked(Problem):
    status, code = 410, "card_revoked"
    title = _l("This card has been replaced by a newer one and no longer works.")


class CardNotFound(NotFound):
    code, title = "card_not_found", _l("This is not a card of ours.")


class CardOfHouseholdMovedAway(Problem):
    """A household that moved away has a closed account and no use for its card: whoever
    holds the old card is told so, and sees nothing more of it."""

    status, code = 410, "household_moved_away"
    title = _l("This household has moved away; its card is no longer used.")


class CardCodeMistyped(Problem):
    status, code = 422, "card_code_mistyped"
    title = _l("The card code has a typing mistake. Check it and type it again.")


@dataclass(frozen=True)
class IssuedCard:
    household_id: int
    version: int
    token: str
    url: str
    code: str


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def card_token(household_id: int, version: int) -> str:
    return _serializer().dumps([household_id, version])


def public_base_url() -> str:
    """Where the cards point: ``PUBLIC_BASE_URL``; in development without it, the address the
    request came in on, so that a server started on another port prints cards for that port."""
    if current_app.config.get("PUBLIC_BASE_URL_FOLLOWS_REQUEST") and has_request_context():
        return request.host_url.rstrip("/")
    return current_app.config["PUBLIC_BASE_URL"]


def card_url(token: str) -> str:
    return f"{public_base_url()}/c/{token}"


def check_character(body: str) -> str:
    """The Luhn mod 32 check character of ``body`` (characters of ALPHABET)."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_BODY_LENGTH))
    return body + check_character(body)


def normalise_code(text: str) -> str:
    """Upper case, without the spaces and dashes of the printed grouping."""
    return re.sub(r"[\s\-]", "", text).upper()


def is_well_formed_code(code: str) -> bool:
    return (
        len(code) == CODE_BODY_LENGTH + 1
        and all(char in ALPHABET for char in code)
        and check_character(code[:-1]) == code[-1]
    )


def format_code(code: str) -> str:
    """For printing: ``ABCD-EFGH-J``."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def issue_card(household_id: int, *, issued_by_id: int | None = None) -> IssuedCard:
    """Issue a new card (version + 1): every older card of the household stops working."""
    household = _locked_household(household_id)
    return _issue(household, issued_by_id)


def issue_first_card(household_id: int, *, issued_by_id: int | None = None) -> IssuedCard | None:
    """Issue the household's first card; None when it has one already, as when another
    clerk's sheet issued it after this one found the household without a card (a card just
    printed is never replaced by a first card)."""
    household = _locked_household(household_id)
    if household.card_version > 0:
        return None
    return _issue(household, issued_by_id)


def _locked_household(household_id: int) -> Household:
    # populate_existing: after waiting for the lock, take the version a concurrent issue
    # just committed, not the copy this session loaded earlier.
    household = db.session.execute(
        sa.select(Household)
        .where(Household.id == household_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if household is None:
        raise NotFound(_l("No such household."))
    return household


def _issue(household: Household, issued_by_id: int | None) -> IssuedCard:
    household.card_version += 1
    code = new_code()
    while db.session.execute(sa.select(Card.id).where(Card.code == code)).first():
        code = new_code()  # 32**8 codes: a clash is rare, but never allowed
    db.session.add(
        Card(
            household_id=household.id,
            version=household.card_version,
            code=code,
            issued_by_id=issued_by_id,
        )
    )
    db.session.flush()
    # Audited here, as every way of issuing a card (API, card sheet, demo) comes through.
    audit.record(
        actor_id=issued_by_id,
        village_id=household.village_id,
        action="card.issue",
        target_type="household",
        target_id=household.id,
        changes={"number": household.number, "version": household.card_version},
    )
    token = card_token(household.id, household.card_version)
    return IssuedCard(household.id, household.card_version, token, card_url(token), code)


def current_card(household_id: int) -> IssuedCard | None:
    """The household's valid card, or None if none was issued."""
    row = db.session.execute(
        sa.select(Card.version, Card.code)
        .join(Household, Household.id == Card.household_id)
        .where(Card.household_id == household_id, Card.version == Household.card_version)
    ).one_or_none()
    if row is None:
        return None
    token = card_token(household_id, row.version)
    return IssuedCard(household_id, row.version, token, card_url(token), row.code)


def resolve_card(text: str) -> int:
    """The household a scanned or typed card stands for.

    Accepts the card URL (what a QR scanner or a USB scanner types), the bare token, or the
    short code. Raises ``CardNotFound`` (404), ``CardRevoked`` (410) or ``CardCodeMistyped``
    (422).
    """
    text = (text or "").strip()
    if not text:
        raise CardNotFound()
    match = CARD_PATH.search(text)
    if match or "." in text:
        return _resolve_token(match["token"] if match else text)
    return _resolve_code(normalise_code(text))


def household_named_by(text: str) -> int | None:
    """The household a card's short code (with or without its dashes), URL or token names,
    whatever the card's version: for finding a household, never for spending. None when the
    text names no card of ours."""
    text = (text or "").strip()
    match = CARD_PATH.search(text)
    if match or "." in text:
        try:
            household_id, _version = _serializer().loads(match["token"] if match else text)
        except (BadSignature, ValueError, TypeError):
            return None
        return household_id if type(household_id) is int and 1 <= household_id <= MAX_ID else None
    code = normalise_code(text)
    if not is_well_formed_code(code):
        return None
    return db.session.execute(
        sa.select(Card.household_id).where(Card.code == code)
    ).scalar_one_or_none()


def _resolve_token(token: str) -> int:
    try:
        household_id, version = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError) as error:
        raise CardNotFound() from error
    # Plain whole numbers a row can hold: True is an int to Python but no id, and a number
    # beyond the column would fail in the database instead of finding no card.
    if not all(type(value) is int and 1 <= value <= MAX_ID for value in (household_id, version)):
        raise CardNotFound()
    return _check_current(household_id, version)


def _resolve_code(code: str) -> int:
    if len(code) != CODE_BODY_LENGTH + 1 or any(char not in ALPHABET for char in code):
        raise CardNotFound()
    if not is_well_formed_code(code):
        raise CardCodeMistyped()
    row = db.session.execute(
        sa.select(Card.household_id, Card.version).where(Card.code == code)
    ).one_or_none()
    if row is None:
        raise CardNotFound()
    return _check_current(row.household_id, row.version)


def _check_current(household_id: int, version: int) -> int:
    current = db.session.execute(
        sa.select(Household.card_version).where(Household.id == household_id)
    ).scalar_one_or_none()
    if current is None or version < 1 or version > current:
        raise CardNotFound()
    if version < current:
        raise CardRevoked()
    return household_id
