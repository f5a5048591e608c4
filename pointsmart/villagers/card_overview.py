"""What a villager sees when a phone opens the card's QR code: read-only, no sign-in.

Anyone holding the card (or its URL) sees the household's number, head of household, balance,
this month's totals and the last few entries; nothing else about the household, and nothing
that could change it. A household that moved away has a closed account, no sign-in and no
use for its card: whoever holds the old card is told so (410) and sees none of its entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..clock import utcnow
from ..extensions import db
from ..households import cards
from ..households.models import Household
from ..ledger import queries as ledger_queries
from ..periods import current_period
from ..villages.models import Village
from .service import history_in_words

RECENT_ENTRIES = 5


@dataclass(frozen=True)
class CardOverview:
    village_name: str
    number: str
    head_name: str
    balance: int
    month: dict[str, Any]
    entries: list[dict[str, Any]]
    # When these figures were read, in the village's time (shown when the phone has no
    # network and opens the page as last seen).
    as_of: dt.datetime | None = None
    household_id: int = 0  # for the titles the household holds (campaigns)


def card_overview(text: str) -> CardOverview:
    """The card page's content. Raises ``CardNotFound`` (404), ``CardRevoked`` (410) or
    ``CardOfHouseholdMovedAway`` (410)."""
    household_id = cards.resolve_card(text)
    household = db.session.get(Household, household_id)
    if household.status != "active":
        raise cards.CardOfHouseholdMovedAway()
    village_name, timezone = db.session.execute(
        sa.select(Village.name, Village.timezone).where(Village.id == household.village_id)
    ).one()
    summary = ledger_queries.household_summary(
        household.village_id, household.id, current_period(timezone)
    )
    # The words of the household's own page (villagers.words): one way to say each entry.
    entries = history_in_words(household.id, timezone, limit=RECENT_ENTRIES)
    return CardOverview(
        village_name=village_name,
        number=household.number,
        head_name=household.head_name,
        balance=summary.balance,
        month=summary.month,
        entries=entries,
        as_of=utcnow().astimezone(ZoneInfo(timezone)),
        household_id=household.id,
    )
