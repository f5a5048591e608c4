"""Who is calling, and what they may do.

A :class:`Principal` is resolved from the ``Authorization: Bearer`` header once per request.
Service functions receive it as ``actor`` and check permissions themselves with the
``require_*`` methods, so a rule holds whichever route or command calls the service.
"""

from __future__ import annotations

import functools

from flask import g, redirect, request, session, url_for

from ..errors import Unauthorized
from .principal import COMMAND_LINE as COMMAND_LINE  # re-exported: callers import it from here
from .principal import Principal as Principal
from .service import end_sessions, principal_for_token

# The Flask session (a signed, HttpOnly cookie) carries only this server-side token, so a
# sign-out or a password change can end a session for good.
SESSION_TOKEN_KEY = "session_token"  # noqa: S105 - a cookie field name, not a secret
# A villager's web session (a household token) is kept apart, so staff pages never take a
# household for a member of staff.
VILLAGER_TOKEN_KEY = "villager_token"  # noqa: S105 - a cookie field name, not a secret


def bearer_token() -> str | None:
    """The token of this request's ``Authorization: Bearer`` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def current_principal() -> Principal:
    """The authenticated caller of this request; raises ``Unauthorized`` when there is none."""
    if "principal" not in g:
        token = bearer_token()
        g.principal = principal_for_token(token) if token else None
    if g.principal is None:
        raise Unauthorized()
    return g.principal


def page_principal() -> Principal | None:
    """The staff member signed in on the web for this request, or None."""
    if "page_principal" not in g:
        token = session.get(SESSION_TOKEN_KEY)
        g.page_principal = principal_for_token(token) if token else None
    return g.page_principal


def villager_page_principal() -> Principal | None:
    """The household signed in on the villager pages for this request, or None."""
    if "villager_principal" not in g:
        token = session.get(VILLAGER_TOKEN_KEY)
        principal = principal_for_token(token) if token else None
        g.villager_principal = principal if principal and principal.household_id else None
    return g.villager_principal


def begin_web_session(token_key: str, token: str) -> None:
    """A new session at every sign-in, staff or villager: the sessions the old cookie named
    end (a session id planted in the browser before the sign-in is worthless) and nothing
    carries over but the language the person chose."""
    end_sessions(session.get(SESSION_TOKEN_KEY), session.get(VILLAGER_TOKEN_KEY))
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session[token_key] = token
    session.permanent = True


def sign_out(token_key: str) -> None:
    """A sign-out, staff or villager: the session behind the cookie's ``token_key`` ends on
    the server, and the cookie is cleared."""
    end_sessions(session.get(token_key))
    session.clear()


def login_required(view):
    """Pages for staff: send anyone not signed in to the sign-in page, then back."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if page_principal() is None:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper
