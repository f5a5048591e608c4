"""The checks a posting makes before it writes (``posting``): its amount, memo, period and
category, and whether a reversal may still be posted after a year-end clearing."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from ..errors import ValidationFailed
from ..extensions import db
from ..periods import checked_period
from .errors import ReversalAfterClearing
from .models import CATEGORIES, EXPIRE, Transfer

MAX_MEMO_LENGTH = 500
MAX_AMOUNT = 1_000_000

# The first year-end clearing of the household posted after a transfer, and not reversed.
_expiry, _expiry_reversal, _original = aliased(Transfer), aliased(Transfer), aliased(Transfer)
_CLEARED_AFTER = (
    sa.select(_expiry.period)
    .where(
        _expiry.household_id == sa.bindparam("household_id"),
        _expiry.kind == EXPIRE,
        _expiry.reverses_id.is_(None),
        _expiry.seq
        > sa.select(_original.seq)
        .where(_original.id == sa.bindparam("original_id"))
        .scalar_subquery(),
        ~sa.exists().where(_expiry_reversal.reverses_id == _expiry.id),
    )
    .order_by(_expiry.seq)
    .limit(1)
)


def refuse_after_clearing(household_id: int, original_id: int) -> None:
    """Refuse to reverse an award whose points a later year-end clearing took (see
    :func:`posting.reverse`); read under the household account's lock, so no clearing slips in."""
    period = db.session.execute(
        _CLEARED_AFTER, {"household_id": household_id, "original_id": original_id}
    ).scalar_one_or_none()
    if period is not None:
        raise ReversalAfterClearing(
            _l(
                "The household's balance was cleared at the end of %(year)s, after this entry, "
                "and its points expired then. Reversing the entry now would take them from the "
                "household a second time, out of points earned since; the entry stands.",
                year=period[:4],
            )
        )


def check_category(category: str | None) -> None:
    if category not in CATEGORIES:
        raise ValidationFailed(
            errors={"category": [str(_l("Unknown category."))]}, allowed=list(CATEGORIES)
        )


def validate(amount: Any, memo: str | None) -> None:
    errors: dict[str, list[str]] = {}
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["points"] = [str(_l("Points must be a whole number above zero."))]
    elif amount > MAX_AMOUNT:
        errors["points"] = [str(_l("Points must be at most %(max)s.", max=MAX_AMOUNT))]
    if memo is not None and len(memo) > MAX_MEMO_LENGTH:
        errors["memo"] = [str(_l("At most %(max)s characters.", max=MAX_MEMO_LENGTH))]
    if errors:
        raise ValidationFailed(errors=errors)


def validate_period(period: str | None, today_period: str) -> None:
    if period is not None:
        checked_period(period, latest=today_period)
