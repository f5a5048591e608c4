"""What the campaign forms offer: the village's award rules, its staff for the council,
and a household found by its number."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..accounts.models import RoleAssignment, User
from ..errors import ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..households.service import household_id_by_number
from ..rules import catalogue as rule_service


def award_rules(actor: Principal, village_id: int) -> list[Any]:
    """Rules in use that give points, counted each time (what a campaign may confer)."""
    views = rule_service.list_rules(actor, village_id, unit="each", active=True)
    return [view for view in views if (view.points or 0) > 0]


def council_choices(village_id: int) -> list[Any]:
    """Active staff users of the village (admins and leaders), by name."""
    return list(
        db.session.execute(
            sa.select(User.id, User.username, User.display_name)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.village_id == village_id,
                RoleAssignment.role.in_(("admin", "leader")),
                User.active.is_(True),
            )
            .distinct()
            .order_by(User.id)
        )
    )


def region_council_choices(village_ids: list[int], region_ids: list[int]) -> list[Any]:
    """Active staff of a region's campaign: the region's admins and its villages' admins and
    leaders, by id."""
    return list(
        db.session.execute(
            sa.select(User.id, User.username, User.display_name)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                sa.or_(
                    sa.and_(
                        RoleAssignment.village_id.in_(village_ids),
                        RoleAssignment.role.in_(("admin", "leader")),
                    ),
                    RoleAssignment.region_id.in_(region_ids),
                ),
                User.active.is_(True),
            )
            .distinct()
            .order_by(User.id)
        )
    )


def household_by_number(village_id: int, number: str) -> int:
    """The id of the village's active household with this number (``household_number``)."""
    household_id = household_id_by_number(village_id, number, active=True)
    if household_id is None:
        raise ValidationFailed(
            errors={"household_number": [str(_l("No such household in this village."))]}
        )
    return household_id


def households_by_numbers(village_id: int, text: str) -> list[int]:
    """The households named by numbers separated by commas or spaces (``council_villagers``)."""
    numbers = [n for n in re.split(r"[\s,，、;；]+", text or "") if n]
    try:
        return [household_by_number(village_id, number) for number in dict.fromkeys(numbers)]
    except ValidationFailed as error:
        raise ValidationFailed(
            errors={"council_villagers": [str(_l("No such household in this village."))]}
        ) from error


def households_named(ids: set[int]) -> dict[int, str]:
    """``{id: "number head"}`` of households, in one query."""
    if not ids:
        return {}
    return {
        row.id: f"{row.number} {row.head_name}"
        for row in db.session.execute(
            sa.select(Household.id, Household.number, Household.head_name).where(
                Household.id.in_(ids)
            )
        )
    }
