"""What a leader's typed or scanned text names: a household of the village, or several to
pick from. One rule for the leader's "find a household" page and an activity's check-in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from ..accounts.auth import Principal
from ..errors import Problem
from . import cards
from .service import find_household, household_id_by_number, search_households


@dataclass(frozen=True)
class Found:
    """``household_id`` when the text names one household of the village; else ``matches``
    to pick from (none, or several) and, when a card was refused or is another village's,
    ``error`` with ``status``."""

    household_id: int | None = None
    matches: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    status: int = 200


def looks_like_card(text: str) -> bool:
    """A scanned card URL or token, or a typed short code with a valid check character."""
    text = text.strip()
    if "/c/" in text or "." in text:
        return True
    # A short code: 9 characters of the card alphabet (a mistyped one is reported as such).
    code = cards.normalise_code(text)
    return len(code) == cards.CODE_BODY_LENGTH + 1 and all(c in cards.ALPHABET for c in code)


def look_up(actor: Principal, village_id: int, text: str, *, limit: int) -> Found:
    """A card (its URL, token or short code) names its household, if it is of this village;
    any other text finds the households whose number, head, member or phone hold it: one
    when it alone matches, or when its number is the text (as a number is written:
    ``XF-00１`` is ``XF-001``)."""
    text = text.strip()[:200]
    if looks_like_card(text):
        try:
            household_id = cards.resolve_card(text)
        except Problem as problem:
            return Found(error=str(problem.title), status=problem.status)
        if find_household(household_id).village_id != village_id:
            return Found(error=_("This card belongs to another village."), status=403)
        return Found(household_id=household_id)
    matches = search_households(actor, village_id, q=text[:50], limit=limit)
    # Looked up on its own: among many households holding the text (``5`` is in ``15``,
    # ``105`` ...), the one whose number it is may lie beyond the page of matches.
    exact = household_id_by_number(village_id, text)
    if exact is not None:
        return Found(household_id=exact)
    if len(matches) == 1:
        return Found(household_id=matches[0]["id"])
    return Found(matches=matches)
