"""What ``GET /households/{id}`` answers, read in one statement of columns (the API's hot
balance read): the same answer and the same refusals as ``service.get_household`` dumped by
``HouseholdOut``, without loading ORM objects."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..database import utcnow
from ..errors import NotFound
from ..extensions import db
from ..ledger import queries as ledger_queries
from ..periods import period_of
from ..villages.models import USUAL_TIMEZONE, Grid, Village
from .models import Household, Member

# The balance read of the API (``GET /households/{id}``), in one statement: the household,
# its village's time zone, its grid, its members (one row a member) and the ledger's summary
# of it (balance, the month's totals, the rank) for the period of the usual time zone.
# Built once.
_households = Household.__table__
_grids = Grid.__table__
_members = Member.__table__
_villages = Village.__table__
_HOUSEHOLD_ANSWER = (
    sa.select(
        _households.c.id,
        _households.c.village_id,
        _households.c.number,
        _households.c.head_name,
        _households.c.phone,
        _households.c.status,
        _households.c.card_version,
        _households.c.created_at,
        _villages.c.timezone,
        _grids.c.id.label("grid_id"),
        _grids.c.name.label("grid_name"),
        _members.c.id.label("member_id"),
        _members.c.name.label("member_name"),
        _members.c.relation.label("member_relation"),
    )
    .select_from(_households)
    .join(_villages, _villages.c.id == _households.c.village_id)
    .outerjoin(_grids, _grids.c.id == _households.c.grid_id)
    .outerjoin(_members, _members.c.household_id == _households.c.id)
    .where(_households.c.id == sa.bindparam("household_id"))
    .order_by(_members.c.id)
)
_HOUSEHOLD_ANSWER = ledger_queries.with_household_summary(
    _HOUSEHOLD_ANSWER, _households.c.village_id, _households.c.id
)


def household_answer(actor: Principal, household_id: int) -> dict[str, Any]:
    """What ``GET /households/{id}`` answers: ``service.get_household`` as plain data.

    The same refusals in the same order (404, then 403 for a caller who may not read the
    household), without loading ORM objects: one statement for the household and the
    ledger's summary of it. The summary's month is the current one in the village's time
    zone, which the statement itself reads; it is guessed from the usual zone (every
    village's default), and a village elsewhere whose month differs from that guess at
    this moment has its summary read again for its own month.
    """
    now = utcnow()
    guessed = period_of(now, USUAL_TIMEZONE)
    rows = db.session.execute(
        _HOUSEHOLD_ANSWER,
        {"household_id": household_id, **ledger_queries.summary_parameters(household_id, guessed)},
    ).all()
    if not rows:
        raise NotFound(_l("No such household."))
    household = rows[0]
    actor.require_household_reader(household.village_id, household.id)
    period = period_of(now, household.timezone)
    if period == guessed:
        summary = ledger_queries.summary_of_row(household, household.village_id, period)
    else:
        summary = ledger_queries.household_summary(household.village_id, household.id, period)
    return {
        "id": household.id,
        "village_id": household.village_id,
        "number": household.number,
        "head_name": household.head_name,
        "phone": household.phone,
        "grid": (
            None
            if household.grid_id is None
            else {"id": household.grid_id, "name": household.grid_name}
        ),
        "status": household.status,
        "balance": summary.balance,
        "members": [
            {"id": row.member_id, "name": row.member_name, "relation": row.member_relation}
            for row in rows
            if row.member_id is not None
        ],
        "month": summary.month,
        "card": {"version": household.card_version},
        "created_at": household.created_at,
    }
