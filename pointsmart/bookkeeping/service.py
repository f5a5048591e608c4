"""Ledger reads that a caller asks for, with their permission checks."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import NotFound
from ..extensions import db
from ..households.models import Household
from ..ledger import queries
from ..ledger.verify import HeadReport, VerifyReport, verify_head, verify_village
from ..villages.service import readable_village


def household_history(
    actor: Principal, household_id: int, *, limit: int, after: int | None
) -> list[dict]:
    """A household's transfers, newest first; for staff of its village and the household."""
    village_id = db.session.execute(
        sa.select(Household.village_id).where(Household.id == household_id)
    ).scalar_one_or_none()
    if village_id is None:
        raise NotFound(_l("No such household."))
    actor.require_household_reader(village_id, household_id)
    return queries.household_history(household_id, limit=limit, after=after)


def verify_ledger(actor: Principal, village_id: int) -> VerifyReport:
    readable_village(actor, village_id)
    return verify_village(village_id)


def verify_ledger_head(
    actor: Principal, village_id: int, *, hash: str, count: int | None
) -> HeadReport:
    readable_village(actor, village_id)
    return verify_head(village_id, hash, count)
