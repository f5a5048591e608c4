"""Staff users, roles and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..audit import service as audit
from ..counter.models import Shop
from ..database import utcnow
from ..errors import NotFound, Unauthorized, ValidationFailed
from ..extensions import db
from ..households.models import Household, pin_must_change
from ..lookups import village_row
from ..regions.models import COUNTY, TOWNSHIP, Region
from ..text import clean_username, name_problem
from ..villages.models import Village
from . import sign_in_delays
from .models import REGION_ROLES, ROLES, ApiToken, RoleAssignment, User
from .passwords import hash_secret, needs_rehash, verify_secret
from .principal import Principal

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # what the sign-in form accepts


WEB_SESSION_HOURS = 12


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: dt.datetime
    principal: Principal
    display_name: str = ""
    pin_must_change: bool = False


def create_user(
    username: str,
    password: str,
    *,
    role: str,
    village_id: int | None = None,
    shop_id: int | None = None,
    region_id: int | None = None,
    display_name: str = "",
    actor_id: int | None = None,
) -> User:
    """Create a staff user with one role. Refuses a role without the village, shop or region
    it needs (``county_admin`` a county, ``township_admin`` a township, never a village).

    ``actor_id`` is who made the user (None: the command line), for the audit log.
    """
    errors: dict[str, list[str]] = {}
    username = clean_username(username or "")
    hidden = name_problem(username)  # "wang" and "wang\u200b" would look the same in a list
    if hidden:
        errors["username"] = [hidden]
    elif not username or len(username) > 64:
        errors["username"] = [str(_l("A username has 1 to 64 characters."))]
    elif db.session.execute(sa.select(User.id).where(User.username == username)).first():
        errors["username"] = [str(_l("This username is taken."))]
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = [
            str(_l("A password has at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
        ]
    if role not in ROLES:
        errors["role"] = [str(_l("Unknown role."))]
    elif role in ("leader", "shopkeeper") and village_id is None:
        errors["village_id"] = [str(_l("This role belongs to a village."))]
    if role == "shopkeeper" and shop_id is None:
        errors["shop_id"] = [str(_l("A shopkeeper belongs to a shop."))]
    errors.update(_region_role_errors(role, region_id, village_id))
    if village_id is not None and db.session.get(Village, village_id) is None:
        errors["village_id"] = [str(_l("No such village."))]
    if shop_id is not None and village_row(Shop, shop_id, village_id) is None:
        errors["shop_id"] = [str(_l("No such shop in this village."))]
    if errors:
        raise ValidationFailed(errors=errors)
    user = User(username=username, password_hash=hash_secret(password), display_name=display_name)
    db.session.add(user)
    db.session.flush()
    db.session.add(
        RoleAssignment(
            user_id=user.id,
            role=role,
            village_id=village_id,
            shop_id=shop_id if role == "shopkeeper" else None,
            region_id=region_id if role in REGION_ROLES else None,
        )
    )
    db.session.flush()
    changes = {"username": username, "role": role, "shop_id": shop_id}
    if region_id is not None:
        changes["region_id"] = region_id
    audit.record(
        actor_id=actor_id,
        village_id=village_id,
        action="user.create",
        target_type="user",
        target_id=user.id,
        changes=changes,
    )
    return user


def _region_role_errors(role: str, region_id: int | None, village_id: int | None) -> dict:
    """What is wrong with the region of a (possibly) regional role, by field."""
    if role not in REGION_ROLES:
        if region_id is not None:
            return {"region_id": [str(_l("Only county and township admins belong to a region."))]}
        return {}
    if village_id is not None:
        return {"village_id": [str(_l("A county or township admin belongs to no village."))]}
    level = COUNTY if role == "county_admin" else TOWNSHIP
    region = db.session.get(Region, region_id) if region_id is not None else None
    if region is None or region.level != level:
        message = _l("No such county.") if level == COUNTY else _l("No such township.")
        return {"region_id": [str(message)]}
    return {}


def issue_staff_token(username: str, password: str) -> IssuedToken:
    """Check a staff login and issue an API token. The same answer for any wrong part."""
    return _sign_in(username, password, hours=current_app.config["API_TOKEN_HOURS"])


def start_web_session(username: str, password: str) -> IssuedToken:
    """Check a staff login and open a web session (a fresh server-side token)."""
    return _sign_in(username, password, hours=WEB_SESSION_HOURS)


def end_web_session(token: str) -> None:
    """Revoke the token behind a web session; the cookie is worthless afterwards."""
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_sessions(*tokens: str | None) -> None:
    """End the sessions behind whichever of ``tokens`` are given (a sign-in calls this with
    the cookie's old tokens, so a session id planted before the sign-in is worthless)."""
    for token in tokens:
        if token:
            end_web_session(token)


def revoke_other_tokens(
    *, user_id: int | None = None, household_id: int | None = None, keep: str | None = None
) -> int:
    """Revoke every live token of the user or household but ``keep``; returns how many."""
    holder = (
        ApiToken.user_id == user_id
        if user_id is not None
        else (ApiToken.household_id == household_id)
    )
    statement = sa.update(ApiToken).where(holder, ApiToken.revoked_at.is_(None))
    if keep:
        statement = statement.where(ApiToken.token_hash != _digest(keep))
    return db.session.execute(statement.values(revoked_at=utcnow())).rowcount


def change_password(
    actor: Principal, current_password: str, new_password: str, *, keep_token: str | None = None
) -> None:
    """A staff member chooses a new password, giving the current one.

    Every other session and API token of the user ends at once (someone who learned the old
    password may be signed in elsewhere); ``keep_token``, the session making the change, stays.
    Raises ``ValidationFailed`` naming ``password`` (wrong current password) or
    ``new_password`` (too short, or the same as the current one).
    """
    if actor.user_id is None:
        raise Unauthorized()
    user = db.session.get(User, actor.user_id)
    # The current password is a guess like any other: counted first, as at sign-in.
    attempt = sign_in_delays.take_attempt(user) if user is not None else None
    if user is None or not verify_secret(user.password_hash, current_password or ""):
        if attempt is not None:
            sign_in_delays.keep_attempt(attempt)
        raise ValidationFailed(errors={"password": [str(_l("The current password is wrong."))]})
    sign_in_delays.clear_attempts(user)
    if len(new_password or "") < MIN_PASSWORD_LENGTH:
        message = _l("A password has at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
        raise ValidationFailed(errors={"new_password": [str(message)]})
    if len(new_password) > MAX_PASSWORD_LENGTH:
        message = _l("A password has at most %(n)s characters.", n=MAX_PASSWORD_LENGTH)
        raise ValidationFailed(errors={"new_password": [str(message)]})
    if verify_secret(user.password_hash, new_password):
        message = _l("Choose a password different from the current one.")
        raise ValidationFailed(errors={"new_password": [str(message)]})
    user.password_hash = hash_secret(new_password)  # the count was cleared with the check
    revoke_other_tokens(user_id=user.id, keep=keep_token)
    db.session.flush()


def _sign_in(username: str, password: str, *, hours: int) -> IssuedToken:
    typed = (username or "").strip()
    # As typed, else as a name is kept (full-width letters as half-width): a name kept
    # before names were folded is still found as it was typed.
    user = db.session.execute(
        sa.select(User)
        .where(User.username.in_({typed, clean_username(typed)}))
        .order_by((User.username == typed).desc())
        .limit(1)
    ).scalar_one_or_none()
    attempt = sign_in_delays.take_attempt(user) if user is not None else None
    valid = verify_secret(user.password_hash if user else None, password or "")
    if attempt is not None and not valid:
        sign_in_delays.keep_attempt(attempt)
    elif user is not None:
        sign_in_delays.clear_attempts(user)
    if user is None or not valid or not user.active:
        raise Unauthorized(_l("Wrong username or password."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_secret(password)
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(hours=hours)
    db.session.add(ApiToken(token_hash=_digest(token), user_id=user.id, expires_at=expires_at))
    db.session.flush()
    return IssuedToken(
        token=token,
        expires_at=expires_at,
        principal=load_principal(user.id),
        display_name=user.display_name or user.username,
    )


# Who a bearer token stands for, in one statement: the token, its user with every role (one
# row a role) or its household. Built once; it runs on every authenticated request.
_tokens = ApiToken.__table__
_users = User.__table__
_roles = RoleAssignment.__table__
_households = Household.__table__
_PRINCIPAL_OF_TOKEN = (
    sa.select(
        _tokens.c.user_id,
        _tokens.c.household_id,
        _tokens.c.expires_at,
        _users.c.username,
        _users.c.active,
        _roles.c.role,
        _roles.c.village_id,
        _roles.c.shop_id,
        _roles.c.region_id,
        _households.c.village_id.label("household_village_id"),
        _households.c.status.label("household_status"),
        _households.c.pin_hash,
        _households.c.pin_chosen_hash,
    )
    .select_from(_tokens)
    .outerjoin(_users, _users.c.id == _tokens.c.user_id)
    .outerjoin(_roles, _roles.c.user_id == _tokens.c.user_id)
    .outerjoin(_households, _households.c.id == _tokens.c.household_id)
    .where(_tokens.c.token_hash == sa.bindparam("token_hash"), _tokens.c.revoked_at.is_(None))
)


def principal_for_token(token: str) -> Principal | None:
    """The principal a bearer token stands for, or None if it is unknown, expired or revoked.

    A staff token whose user is disabled, and a household token whose household has moved
    away, stand for nobody either. One SQL statement.
    """
    rows = db.session.execute(_PRINCIPAL_OF_TOKEN, {"token_hash": _digest(token)}).all()
    if not rows or rows[0].expires_at <= utcnow():
        return None
    first = rows[0]
    if first.user_id is not None:
        if first.username is None or not first.active:
            return None
        return _staff_principal(first.user_id, first.username, [r for r in rows if r.role])
    if first.household_status != "active":
        return None
    return Principal(
        household_id=first.household_id,
        household_village_id=first.household_village_id,
        pin_must_change=pin_must_change(first.pin_hash, first.pin_chosen_hash),
    )


def load_principal(user_id: int) -> Principal | None:
    """A staff user's principal with every role, or None if the user is disabled."""
    user = db.session.execute(
        sa.select(User.id, User.username, User.active).where(User.id == user_id)
    ).one_or_none()
    if user is None or not user.active:
        return None
    roles = db.session.execute(
        sa.select(
            RoleAssignment.role,
            RoleAssignment.village_id,
            RoleAssignment.shop_id,
            RoleAssignment.region_id,
        ).where(RoleAssignment.user_id == user_id)
    ).all()
    return _staff_principal(user.id, user.username, roles)


def _staff_principal(user_id: int, username: str, roles) -> Principal:
    """A staff principal from rows of (role, village_id, shop_id, region_id).

    A county or township admin costs one more statement: the villages under their regions.
    """
    counties = frozenset(r.region_id for r in roles if r.role == "county_admin")
    townships = frozenset(r.region_id for r in roles if r.role == "township_admin")
    return Principal(
        user_id=user_id,
        username=username,
        global_admin=any(r.role == "admin" and r.village_id is None for r in roles),
        admin_villages=frozenset(r.village_id for r in roles if r.role == "admin" and r.village_id),
        leader_villages=frozenset(r.village_id for r in roles if r.role == "leader"),
        shops={r.shop_id: r.village_id for r in roles if r.role == "shopkeeper"},
        county_regions=counties,
        township_regions=townships,
        region_villages=_villages_under(counties, townships),
    )


def _villages_under(counties: frozenset[int], townships: frozenset[int]) -> frozenset[int]:
    if not counties and not townships:
        return frozenset()
    under = Village.region_id.in_(
        sa.select(Region.id).where(
            sa.or_(Region.id.in_(list(townships)), Region.parent_id.in_(list(counties)))
        )
    )
    return frozenset(db.session.execute(sa.select(Village.id).where(under)).scalars())


def describe_user(principal: Principal) -> dict:
    """What the token endpoint tells a client about who it is."""
    roles = []
    if principal.global_admin:
        roles.append({"role": "admin", "village_id": None, "shop_id": None})
    roles += [{"role": "admin", "village_id": v, "shop_id": None} for v in principal.admin_villages]
    roles += [
        {"role": "leader", "village_id": v, "shop_id": None} for v in principal.leader_villages
    ]
    roles += [
        {"role": "shopkeeper", "village_id": v, "shop_id": s} for s, v in principal.shops.items()
    ]
    roles += [
        {"role": "county_admin", "village_id": None, "shop_id": None, "region_id": r}
        for r in principal.county_regions
    ]
    roles += [
        {"role": "township_admin", "village_id": None, "shop_id": None, "region_id": r}
        for r in principal.township_regions
    ]
    return {
        "id": principal.user_id,
        "username": principal.username,
        "household_id": principal.household_id,
        "roles": sorted(
            roles,
            key=lambda r: (
                r["role"],
                r["village_id"] or 0,
                r["shop_id"] or 0,
                r.get("region_id") or 0,
            ),
        ),
    }


def get_user(username: str) -> User:
    user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(_l("No such user."))
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def display_names(user_ids) -> dict[int, str]:
    """``{user id: display name, or the username}`` for the staff a page names, in one query."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(User.id, User.display_name, User.username).where(User.id.in_(ids))
    ).all()
    return {row.id: row.display_name or row.username for row in rows}
