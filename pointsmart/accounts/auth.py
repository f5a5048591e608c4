"""Who is calling, and what they may do.

A :class:`Principal` is resolved from the ``Authorization: Bearer`` header once per request.
Service functions receive it as ``actor`` and check permissions themselves with the
``require_*`` methods, so a rule holds whichever route or command calls the service.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask import g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l

from ..errors import Forbidden, Unauthorized

# The Flask session (a signed, HttpOnly cookie) carries only this server-side token, so a
# sign-out or a password change can end a session for good.
SESSION_TOKEN_KEY = "session_token"  # noqa: S105 - a cookie field name, not a secret
# A villager's web session (a household token) is kept apart, so staff pages never take a
# household for a member of staff.
VILLAGER_TOKEN_KEY = "villager_token"  # noqa: S105 - a cookie field name, not a secret


@dataclass(frozen=True)
class Principal:
    user_id: int | None = None
    household_id: int | None = None
    household_village_id: int | None = None
    username: str = ""
    global_admin: bool = False
    admin_villages: frozenset[int] = frozenset()
    leader_villages: frozenset[int] = frozenset()
    # shop_id -> village_id for each shop the user keeps
    shops: dict[int, int] = field(default_factory=dict)
    # The regions of a county_admin / township_admin role, and every village under them
    # (resolved when the principal is loaded): they read these villages, never post in them.
    county_regions: frozenset[int] = frozenset()
    township_regions: frozenset[int] = frozenset()
    region_villages: frozenset[int] = frozenset()
    # A household signed in with a PIN an admin set: it opens nothing until it chooses its own.
    pin_must_change: bool = False

    @property
    def scope(self) -> str:
        """The namespace of this caller's idempotency keys."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"household:{self.household_id}"

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None

    def is_admin_of(self, village_id: int) -> bool:
        return self.global_admin or village_id in self.admin_villages

    def is_leader_of(self, village_id: int) -> bool:
        return village_id in self.leader_villages

    def is_staff_of(self, village_id: int) -> bool:
        """Staff of the village, or of a township or county above it: they see its staff's
        reads (households, rules, shops, the board's entries). Writes check a narrower role."""
        return (
            self.is_admin_of(village_id)
            or self.is_leader_of(village_id)
            or village_id in self.shops.values()
            or village_id in self.region_villages
        )

    def is_reader_of(self, village_id: int) -> bool:
        """An admin of the village or of a region above it: reads its reports and ledger."""
        return self.is_admin_of(village_id) or village_id in self.region_villages

    @property
    def is_region_staff(self) -> bool:
        return bool(self.county_regions or self.township_regions)

    def visible_village_ids(self) -> frozenset[int] | None:
        """The villages this caller may see; None means all of them."""
        if self.global_admin:
            return None
        return (
            self.admin_villages
            | self.leader_villages
            | frozenset(self.shops.values())
            | self.region_villages
        )

    def require_global_admin(self) -> None:
        if not self.global_admin:
            raise Forbidden(_l("Only an administrator of every village may do this."))

    def require_admin(self, village_id: int) -> None:
        if not self.is_admin_of(village_id):
            raise Forbidden(_l("Only an administrator of this village may do this."))

    def require_reader(self, village_id: int) -> None:
        """The village's admins, and the county and township staff above it (read only)."""
        if not self.is_reader_of(village_id):
            raise Forbidden(_l("Only an administrator of this village may do this."))

    def require_awarder(self, village_id: int) -> None:
        """Leaders and admins of the village award and deduct points."""
        if not (self.is_admin_of(village_id) or self.is_leader_of(village_id)):
            raise Forbidden(_l("Only a leader or administrator of this village may do this."))

    def require_staff(self, village_id: int) -> None:
        if not self.is_staff_of(village_id):
            raise Forbidden(_l("Only staff of this village may do this."))

    def require_household_reader(self, village_id: int, household_id: int) -> None:
        """Staff of the village, or the household itself."""
        if self.household_id is not None:
            if self.household_id != household_id:
                raise Forbidden(_l("You may only see your own household."))
            return
        self.require_staff(village_id)


# Who the command line acts as: the machine's operator, an administrator of every village.
COMMAND_LINE = Principal(global_admin=True, username="command-line")


def bearer_token() -> str | None:
    """The token of this request's ``Authorization: Bearer`` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def current_principal() -> Principal:
    """The authenticated caller of this request; raises ``Unauthorized`` when there is none."""
    if "principal" not in g:
        from .service import principal_for_token

        token = bearer_token()
        g.principal = principal_for_token(token) if token else None
    if g.principal is None:
        raise Unauthorized()
    return g.principal


def page_principal() -> Principal | None:
    """The staff member signed in on the web for this request, or None."""
    if "page_principal" not in g:
        from .service import principal_for_token

        token = session.get(SESSION_TOKEN_KEY)
        g.page_principal = principal_for_token(token) if token else None
    return g.page_principal


def villager_page_principal() -> Principal | None:
    """The household signed in on the villager pages for this request, or None."""
    if "villager_principal" not in g:
        from .service import principal_for_token

        token = session.get(VILLAGER_TOKEN_KEY)
        principal = principal_for_token(token) if token else None
        g.villager_principal = principal if principal and principal.household_id else None
    return g.villager_principal


def begin_web_session(token_key: str, token: str) -> None:
    """A new session at every sign-in, staff or villager: the sessions the old cookie named
    end (a session id planted in the browser before the sign-in is worthless) and nothing
    carries over but the language the person chose."""
    from .service import end_sessions

    end_sessions(session.get(SESSION_TOKEN_KEY), session.get(VILLAGER_TOKEN_KEY))
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session[token_key] = token
    session.permanent = True


def login_required(view):
    """Pages for staff: send anyone not signed in to the sign-in page, then back."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if page_principal() is None:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper
