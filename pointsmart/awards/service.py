"""Awarding and deducting points, and correcting entries.

This issue's scope is the ad-hoc award or deduction (``kind`` + ``points`` + ``category``);
the rule catalogue, approvals and quotas build on it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import NotFound
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.errors import AccountClosed
from ..ledger.models import Transfer
from ..villages.models import Household


def post_adhoc(
    actor: Principal,
    *,
    household_id: int,
    kind: str,
    points: int,
    category: str,
    memo: str | None = None,
    period: str | None = None,
) -> Transfer:
    """Award (``kind="award"``) or deduct points, by a leader or admin of the household's village.

    A deduction may take the balance below zero. A household that moved away takes no more
    points.
    """
    household = db.session.execute(
        sa.select(Household.village_id, Household.status).where(Household.id == household_id)
    ).one_or_none()
    if household is None:
        raise NotFound(_l("No such household."))
    actor.require_awarder(household.village_id)
    if household.status != "active":
        raise AccountClosed()
    post = ledger.award if kind == "award" else ledger.deduct
    return post(
        household.village_id,
        household_id,
        points,
        category=category,
        memo=memo,
        period=period,
        posted_by_id=actor.user_id,
    )


def reverse_entry(actor: Principal, transfer_id: int, *, reason: str) -> Transfer:
    """An admin of the village reverses a transfer, once, with a reason."""
    village_id = db.session.execute(
        sa.select(Transfer.village_id).where(Transfer.id == transfer_id)
    ).scalar_one_or_none()
    if village_id is None:
        raise NotFound(_l("No such transfer."))
    actor.require_admin(village_id)
    return ledger.reverse(transfer_id, reason=reason, posted_by_id=actor.user_id)
