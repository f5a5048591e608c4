"""A campaign's council (道德评议会): who may sit on it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import RoleAssignment, User
from ..errors import ValidationFailed
from ..extensions import db
from ..households.models import Household
from . import scope


def _error(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(errors={field: [str(message)]})


def _staff_of(user_ids: list[int], village_ids: list[int], region_ids: list[int]) -> set[int]:
    """The ids among ``user_ids`` of active users with a role in one of the villages or the
    regions (or of every village)."""
    if not user_ids:
        return set()
    return set(
        db.session.execute(
            sa.select(User.id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                User.id.in_(user_ids),
                User.active.is_(True),
                sa.or_(
                    RoleAssignment.village_id.in_(village_ids),
                    RoleAssignment.region_id.in_(region_ids),
                    sa.and_(
                        RoleAssignment.village_id.is_(None), RoleAssignment.region_id.is_(None)
                    ),
                ),
            )
        ).scalars()
    )


def households_of(household_ids: list[int], village_ids: list[int]) -> set[int]:
    if not household_ids:
        return set()
    return set(
        db.session.execute(
            sa.select(Household.id).where(
                Household.id.in_(household_ids),
                Household.village_id.in_(village_ids),
                Household.status == "active",
            )
        ).scalars()
    )


def check_council(
    village_ids: list[int], region_ids: list[int], members: list[dict[str, int | None]]
) -> list[tuple[int | None, int | None]]:
    """Check the council: (user id, household id) pairs, each staff user once."""
    pairs = [(m.get("user_id"), m.get("household_id")) for m in members]
    if not pairs:
        raise _error("council", _l("Name the council's members."))
    users = [u for u, _ in pairs if u is not None]
    if len(users) != len(set(users)):
        raise _error("council", _l("Each member is named once."))
    villagers = [h for u, h in pairs if u is None]
    if None in villagers or len(villagers) != len(set(villagers)):
        raise _error("council", _l("Each member is named once."))
    if set(users) - _staff_of(users, village_ids, region_ids):
        raise _error("council", _l("Council members are staff or households of this village."))
    households = [h for _, h in pairs if h is not None]
    if set(households) - households_of(households, village_ids):
        raise _error("council", _l("Council members are staff or households of this village."))
    return pairs


def seated(campaign, council: list) -> list:
    """The members of ``council`` who still may sit on the campaign's council: a staff user
    still active with a role in its villages or regions, a household still living in one of
    its villages. One whose role was revoked no longer votes; one who moved away holds no
    publication back for want of its votes."""
    village_ids = scope.village_ids(campaign)
    users = _staff_of(
        [m.user_id for m in council if m.user_id is not None],
        village_ids,
        scope.council_region_ids(campaign),
    )
    households = households_of([m.household_id for m in council if m.user_id is None], village_ids)
    return [
        m
        for m in council
        if (m.user_id in users if m.user_id is not None else m.household_id in households)
    ]
