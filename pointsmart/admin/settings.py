"""Village settings and grids: the admin's changes, each checked and audited."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..errors import ValidationFailed
from ..extensions import db
from ..lookups import get_or_refuse
from ..periods import is_valid_timezone
from ..villages.models import Grid, Village
from ..villages.rates import kept_rate, rate_problem
from ..villages.service import administered_village

SETTINGS = (
    "name",
    "timezone",
    "yuan_per_point",
    "approval_threshold",
    "leader_monthly_quota",
    "black_board_days",
    "red_board_days",
    "mask_names",
    "year_end_clearing",
    "pin_required_above",
    "offline_limit",
    "phone",
)
MAX_POINTS_SETTING = 1_000_000
# Digits with the usual separators and an optional leading +; at most 30 characters.
VILLAGE_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{2,28}\Z")


def admin_villages(actor: Principal) -> list[Village]:
    """The villages the actor administers, in id order."""
    statement = sa.select(Village).order_by(Village.id)
    if not actor.global_admin:
        statement = statement.where(Village.id.in_(actor.admin_villages))
    return list(db.session.execute(statement).scalars())


def current_settings(village: Village) -> dict[str, Any]:
    return {name: getattr(village, name) for name in SETTINGS}


def _yuan(value: Any) -> tuple[Decimal | None, str | None]:
    """The rate as typed, read by the villages' one rule (``villages.rates``)."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None, str(_l("Write an amount such as 0.10."))
    problem = rate_problem(amount)
    return (None, problem) if problem else (kept_rate(amount), None)


def update_village_settings(actor: Principal, village_id: int, **values: Any) -> Village:
    """Change any of :data:`SETTINGS`; refuses bad values field by field, audits the diff.

    ``leader_monthly_quota`` and ``pin_required_above`` may be None (no limit; never ask).
    """
    village = administered_village(actor, village_id)
    before = current_settings(village)
    after = dict(before)
    errors: dict[str, list[str]] = {}
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise ValueError(f"unknown village settings {sorted(unknown)}")
    after.update(values)

    name = (after["name"] or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [str(_l("Give the village a name (at most 100 characters)."))]
    elif db.session.execute(
        sa.select(Village.id).where(Village.name == name, Village.id != village_id)
    ).first():
        errors["name"] = [str(_l("A village with this name exists."))]
    after["name"] = name
    after["timezone"] = (after["timezone"] or "").strip()
    if len(after["timezone"]) > 64 or not is_valid_timezone(after["timezone"]):
        errors["timezone"] = [str(_l("Unknown time zone. Write one such as Asia/Shanghai."))]
    after["yuan_per_point"], message = _yuan(after["yuan_per_point"])
    if message:
        errors["yuan_per_point"] = [message]
    if not 1 <= after["approval_threshold"] <= MAX_POINTS_SETTING:
        errors["approval_threshold"] = [str(_l("1 to 1,000,000 points."))]
    quota = after["leader_monthly_quota"]
    if quota is not None and not 1 <= quota <= MAX_POINTS_SETTING:
        errors["leader_monthly_quota"] = [str(_l("1 to 1,000,000 points, or empty."))]
    for field in ("black_board_days", "red_board_days"):
        if not 1 <= after[field] <= 366:
            errors[field] = [str(_l("1 to 366 days."))]
    pin_above = after["pin_required_above"]
    if pin_above is not None and not 0 <= pin_above <= MAX_POINTS_SETTING:
        errors["pin_required_above"] = [str(_l("0 to 1,000,000 points, or empty."))]
    offline_limit = after["offline_limit"]
    if offline_limit is None or not 0 <= offline_limit <= MAX_POINTS_SETTING:
        errors["offline_limit"] = [str(_l("0 to 1,000,000 points."))]
    phone = (after["phone"] or "").strip()
    if len(phone) > 30 or (phone and not VILLAGE_PHONE.match(phone)):
        errors["phone"] = [str(_l("Write a phone number, such as 0311-8765 4321."))]
    after["phone"] = phone or None
    if errors:
        raise ValidationFailed(errors=errors)
    for field in SETTINGS:
        setattr(village, field, after[field])
    db.session.flush()
    changes = audit.diff(before, after)
    audit.record_village_update(actor_id=actor.user_id, village_id=village_id, changes=changes)
    return village


def rename_grid(actor: Principal, grid_id: int, *, name: str) -> Grid:
    """Give a grid a new name, unique in its village."""
    grid = get_or_refuse(Grid, grid_id, _l("No such grid."))
    actor.require_admin(grid.village_id)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(errors={"name": [str(_l("Give the grid a name."))]})
    if db.session.execute(
        sa.select(Grid.id).where(
            Grid.village_id == grid.village_id, Grid.name == name, Grid.id != grid.id
        )
    ).first():
        raise ValidationFailed(errors={"name": [str(_l("A grid with this name exists."))]})
    old = grid.name
    grid.name = name
    db.session.flush()
    if old != name:
        audit.record(
            actor_id=actor.user_id,
            village_id=grid.village_id,
            action="grid.rename",
            target_type="grid",
            target_id=grid.id,
            changes={"name": [old, name]},
        )
    return grid
