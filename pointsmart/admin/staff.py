"""Staff users and their roles, as a village's admins manage them.

* An admin of a village manages the users whose every role is in villages they administer
  (an admin of every village manages everyone). A user who also works for another village
  is left to an admin of both, so no admin can lock out another village's staff.
* Granting or revoking a role needs admin rights in that role's village; the role "admin of
  every village" only an admin of every village grants or revokes. A role is granted only to
  a user the actor manages.
* Disabling a user or resetting their password ends all their sessions and API tokens.
* Nobody disables themself or removes their own admin role (no accidental lock-out), and
  two admins who take each other's admin role or disable each other at once do not both
  succeed; a role granted or revoked twice at once is so once (:func:`_as_of_now`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts import service as accounts
from ..accounts import sign_in_delays
from ..accounts.auth import Principal
from ..accounts.models import VILLAGE_ROLES, ApiToken, RoleAssignment, User
from ..accounts.passwords import hash_secret
from ..audit import service as audit
from ..counter.models import Shop
from ..database import utcnow
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..lookups import get_or_refuse, village_row
from ..villages.models import Village
from ..villages.service import administered_village
from .errors import RoleExists, SelfLockout


@dataclass(frozen=True)
class StaffRow:
    user: User
    roles: list[RoleAssignment]


def _roles_of(user_id: int) -> list[RoleAssignment]:
    return list(
        db.session.execute(
            sa.select(RoleAssignment)
            .where(RoleAssignment.user_id == user_id)
            .order_by(RoleAssignment.id)
        ).scalars()
    )


def _may_manage(actor: Principal, roles: list[RoleAssignment]) -> bool:
    if actor.global_admin:
        return True
    return bool(roles) and all(
        r.village_id is not None and actor.is_admin_of(r.village_id) for r in roles
    )


def managed_user(actor: Principal, user_id: int) -> StaffRow:
    """A user the actor may manage, with their roles; 404 or 403 otherwise."""
    user = get_or_refuse(User, user_id, _l("No such user."))
    roles = _roles_of(user_id)
    if not _may_manage(actor, roles):
        raise Forbidden(_l("Only an administrator of every village this user works for may."))
    return StaffRow(user, roles)


def _as_of_now(actor: Principal, village_ids) -> Principal:
    """The actor as the database has them now, with the staff of ``village_ids`` held.

    The actor was read when the request began. On PostgreSQL two admins who revoke each
    other's admin role (or disable each other) at once both passed their checks and the
    village was left without an admin. The villages' rows are locked here (``FOR NO KEY
    UPDATE``: a posting's foreign-key check does not wait for it), so the second waits for
    the first and then reads its own roles without the one just taken away. On SQLite the
    request's write transaction already made them take turns."""
    ids = sorted({village_id for village_id in village_ids if village_id is not None})
    if ids:
        db.session.execute(
            sa.select(Village.id)
            .where(Village.id.in_(ids))
            .order_by(Village.id)
            .with_for_update(key_share=True)
        ).all()
    if actor.user_id is None:  # the command line
        return actor
    now = accounts.load_principal(actor.user_id)
    if now is None:
        raise Forbidden()
    return now


def list_staff(actor: Principal, village_id: int) -> list[StaffRow]:
    """The users with a role in the village (its admins only), by username."""
    actor.require_admin(village_id)
    users = list(
        db.session.execute(
            sa.select(User)
            .where(
                User.id.in_(
                    sa.select(RoleAssignment.user_id).where(RoleAssignment.village_id == village_id)
                )
            )
            .order_by(User.username)
        ).scalars()
    )
    roles: dict[int, list[RoleAssignment]] = {user.id: [] for user in users}
    for role in db.session.execute(
        sa.select(RoleAssignment)
        .where(RoleAssignment.user_id.in_(list(roles)))
        .order_by(RoleAssignment.id)
    ).scalars():
        roles[role.user_id].append(role)
    return [StaffRow(user, roles[user.id]) for user in users]


def _first_village(roles: list[RoleAssignment]) -> int | None:
    villages = sorted(r.village_id for r in roles if r.village_id is not None)
    return villages[0] if villages else None


def _record(actor: Principal, user: User, village_id: int | None, action: str, changes) -> None:
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action=action,
        target_type="user",
        target_id=user.id,
        changes=changes,
    )


def _check_role_target(actor: Principal, role: str, village_id: int | None) -> None:
    if role not in VILLAGE_ROLES:
        raise ValidationFailed(errors={"role": [str(_l("Unknown role."))]})
    if village_id is None:
        actor.require_global_admin()
    else:
        administered_village(actor, village_id)


def create_staff_user(
    actor: Principal,
    *,
    username: str,
    password: str,
    role: str,
    village_id: int | None,
    shop_id: int | None = None,
    display_name: str = "",
) -> User:
    """Create a user with one role in a village the actor administers (password hashed)."""
    _check_role_target(actor, role, village_id)
    return accounts.create_user(
        username,
        password,
        role=role,
        village_id=village_id,
        shop_id=shop_id if role == "shopkeeper" else None,
        display_name=(display_name or "").strip()[:50],
        actor_id=actor.user_id,
    )


def _revoke_tokens(user_id: int) -> None:
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def set_user_active(actor: Principal, user_id: int, *, active: bool) -> User:
    """Disable (ending every session and token at once) or enable a user."""
    row = managed_user(actor, user_id)
    if not active and row.user.id == actor.user_id:
        raise SelfLockout()
    if not active and not _may_manage(
        _as_of_now(actor, [r.village_id for r in row.roles]), row.roles
    ):
        raise Forbidden(_l("Only an administrator of every village this user works for may."))
    if row.user.active == active:
        return row.user
    row.user.active = active
    if not active:
        _revoke_tokens(row.user.id)
    db.session.flush()
    _record(
        actor,
        row.user,
        _first_village(row.roles),
        "user.enable" if active else "user.disable",
        {"active": [not active, active]},
    )
    return row.user


def reset_password(actor: Principal, user_id: int, *, password: str) -> User:
    """Give a user a new password; their open sessions and tokens end."""
    row = managed_user(actor, user_id)
    if len(password or "") < accounts.MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            errors={
                "password": [
                    str(
                        _l(
                            "A password has at least %(n)s characters.",
                            n=accounts.MIN_PASSWORD_LENGTH,
                        )
                    )
                ]
            }
        )
    row.user.password_hash = hash_secret(password)
    sign_in_delays.clear(row.user)  # a new password: the wrong tries of the old one are gone
    _revoke_tokens(row.user.id)
    db.session.flush()
    _record(actor, row.user, _first_village(row.roles), "user.password_reset", {})
    return row.user


def _role_description(role: RoleAssignment | dict[str, Any]) -> dict[str, Any]:
    get = role.get if isinstance(role, dict) else lambda name: getattr(role, name)
    return {"role": get("role"), "village_id": get("village_id"), "shop_id": get("shop_id")}


def grant_role(
    actor: Principal, user_id: int, *, role: str, village_id: int | None, shop_id: int | None
) -> RoleAssignment:
    """Give a user another role (admin, leader or shopkeeper of a shop) in a village.

    Only to a user the actor manages: otherwise an admin could draw another village's staff
    member into their own village, and so out of the reach of that village's admins (who could
    then no longer disable them or reset their password).
    """
    user = managed_user(actor, user_id).user
    _check_role_target(actor, role, village_id)
    errors: dict[str, list[str]] = {}
    if role != "admin" and village_id is None:
        errors["village_id"] = [str(_l("This role belongs to a village."))]
    if role == "shopkeeper":
        if village_row(Shop, shop_id, village_id) is None:
            errors["shop_id"] = [str(_l("No such shop in this village."))]
    else:
        shop_id = None
    if errors:
        raise ValidationFailed(errors=errors)
    # Under the lock: a double tap's first request may have granted it meanwhile.
    _check_role_target(_as_of_now(actor, [village_id]), role, village_id)
    for existing in _roles_of(user_id):
        if (existing.role, existing.village_id, existing.shop_id) == (role, village_id, shop_id):
            raise RoleExists()
    assignment = RoleAssignment(user_id=user_id, role=role, village_id=village_id, shop_id=shop_id)
    db.session.add(assignment)
    db.session.flush()
    _record(actor, user, village_id, "role.grant", _role_description(assignment))
    return assignment


def revoke_role(actor: Principal, assignment_id: int) -> None:
    """Take a role away. Nobody removes their own admin role."""
    assignment = get_or_refuse(RoleAssignment, assignment_id, _l("No such role."))
    _check_role_target(actor, assignment.role, assignment.village_id)
    if assignment.user_id == actor.user_id and assignment.role == "admin":
        raise SelfLockout()
    _check_role_target(
        _as_of_now(actor, [assignment.village_id]), assignment.role, assignment.village_id
    )
    # Read again under the lock: a double tap's first request may have revoked it meanwhile.
    user_of_role(assignment_id)
    user = db.session.get(User, assignment.user_id)
    description = _role_description(assignment)
    db.session.delete(assignment)
    db.session.flush()
    _record(actor, user, assignment.village_id, "role.revoke", description)


def user_of_role(role_id: int) -> int:
    """The user a role row belongs to (``NotFound`` for no such row)."""
    user_id = db.session.execute(
        sa.select(RoleAssignment.user_id).where(RoleAssignment.id == role_id)
    ).scalar_one_or_none()
    if user_id is None:
        raise NotFound(_l("No such role."))
    return user_id
