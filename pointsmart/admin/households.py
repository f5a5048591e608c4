"""Households and their members: edit, move to another grid, members, moving away.

A household that moves away keeps its history; its account is closed (status
``moved_away``: no award, deduction or sale reaches it, its villager sign-in stops) and only
once its balance is 0, so no points vanish with it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..accounts.models import ApiToken
from ..audit import service as audit
from ..database import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..households.models import Household, Member
from ..households.service import checked_phone, find_household
from ..ledger import service as ledger
from ..lookups import get_or_refuse, village_row
from ..text import clean_name, clean_number
from ..villages.models import Grid
from .errors import BalanceNotSettled


def administered_household(actor: Principal, household_id: int) -> Household:
    household = find_household(household_id)
    actor.require_admin(household.village_id)
    return household


def _record(actor: Principal, household: Household, action: str, changes: dict[str, Any]) -> None:
    audit.record(
        actor_id=actor.user_id,
        village_id=household.village_id,
        action=action,
        target_type="household",
        target_id=household.id,
        changes=changes,
    )


def update_household(
    actor: Principal, household_id: int, *, number: str, head_name: str, phone: str | None
) -> Household:
    """Change a household's number, head of household or phone."""
    household = administered_household(actor, household_id)
    number, head_name = clean_number(number or ""), clean_name(head_name or "")
    errors: dict[str, list[str]] = {}
    phone = checked_phone(phone, errors)
    if not number or len(number) > 32:
        errors["number"] = [str(_l("Give the household number."))]
    elif db.session.execute(
        sa.select(Household.id).where(
            Household.village_id == household.village_id,
            Household.number == number,
            Household.id != household.id,
        )
    ).first():
        errors["number"] = [str(_l("Household number %(n)s exists.", n=number))]
    if not head_name or len(head_name) > 50:
        errors["head_name"] = [str(_l("Give the head of household."))]
    if errors:
        raise ValidationFailed(errors=errors)
    before = {
        "number": household.number,
        "head_name": household.head_name,
        "phone": household.phone,
    }
    after = {"number": number, "head_name": head_name, "phone": phone}
    household.number, household.head_name, household.phone = number, head_name, phone
    db.session.flush()
    changes = audit.diff(before, after)
    if changes:
        _record(actor, household, "household.update", changes)
    return household


def move_household(actor: Principal, household_id: int, *, grid_id: int | None) -> Household:
    """Put a household in another grid of its village (or in none)."""
    household = administered_household(actor, household_id)
    new_grid = None
    if grid_id is not None:
        new_grid = village_row(Grid, grid_id, household.village_id)
        if new_grid is None:
            raise ValidationFailed(errors={"grid_id": [str(_l("No such grid in this village."))]})
    old_grid = household.grid
    household.grid_id = grid_id
    db.session.flush()
    if (old_grid.id if old_grid else None) != grid_id:
        _record(
            actor,
            household,
            "household.move",
            {"grid": [old_grid.name if old_grid else None, new_grid.name if new_grid else None]},
        )
    return find_household(household_id)


def _member_fields(name: str, relation: str) -> tuple[str, str]:
    name, relation = clean_name(name or ""), clean_name(relation or "")
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 50:
        errors["name"] = [str(_l("Give the member's name."))]
    if len(relation) > 20:
        errors["relation"] = [str(_l("At most 20 characters."))]
    if errors:
        raise ValidationFailed(errors=errors)
    return name, relation


def add_member(actor: Principal, household_id: int, *, name: str, relation: str = "") -> Member:
    household = administered_household(actor, household_id)
    name, relation = _member_fields(name, relation)
    member = Member(household_id=household.id, name=name, relation=relation)
    db.session.add(member)
    db.session.flush()
    _record(actor, household, "member.add", {"name": name, "relation": relation})
    return member


def _member(actor: Principal, member_id: int) -> tuple[Member, Household]:
    member = get_or_refuse(Member, member_id, _l("No such household member."))
    return member, administered_household(actor, member.household_id)


def update_member(actor: Principal, member_id: int, *, name: str, relation: str = "") -> Member:
    member, household = _member(actor, member_id)
    name, relation = _member_fields(name, relation)
    changes = audit.diff(
        {"name": member.name, "relation": member.relation}, {"name": name, "relation": relation}
    )
    member.name, member.relation = name, relation
    db.session.flush()
    if changes:
        _record(actor, household, "member.update", changes)
    return member


def remove_member(actor: Principal, member_id: int) -> None:
    member, household = _member(actor, member_id)
    _record(actor, household, "member.remove", {"name": member.name, "relation": member.relation})
    db.session.delete(member)
    db.session.flush()


def mark_moved_away(actor: Principal, household_id: int) -> Household:
    """Close a household's account: only with a balance of exactly 0 (``BalanceNotSettled``).

    The household's account is locked for the check and closed on the same row, so no award
    or sale can change the balance between the check and the closing. Its villager sessions
    end with it. The household's row is locked (and read again) before its account, the order
    a sale that resets the PIN's count writes them in: two closings at once close it once,
    and the second answers as for a household that had moved away already. The lock is
    ``FOR NO KEY UPDATE`` (what the status's own update takes): a posting's foreign-key check
    on the household (``FOR KEY SHARE``) does not wait for it, nor it for one.
    """
    household = administered_household(actor, household_id)
    db.session.refresh(household, with_for_update={"key_share": True})
    if household.status == "moved_away":
        return household
    balance = ledger.close_household_account(household.village_id, household.id)
    if balance != 0:
        raise BalanceNotSettled(
            _l(
                "Household %(n)s still has %(points)s points. Spend them at the shop or clear "
                "them to 0 first.",
                n=household.number,
                points=balance,
            ),
            balance=balance,
        )
    household.status = "moved_away"
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.household_id == household.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.flush()
    _record(actor, household, "household.move_away", {"status": ["active", "moved_away"]})
    return household
