"""What every request passes through, registered by ``create_app``: the id converter of the
routes, the one before-request hook (the read-only mark, CSRF, the API caller, input checks)
and the transaction's end."""

from __future__ import annotations

import functools
import json
from typing import Any

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from .accounts.auth import current_principal
from .accounts.villagers import PinMustChange
from .database import autocommit_reads, mark_read_only, read_from
from .errors import MalformedJSON, ValidationFailed
from .extensions import csrf, db
from .schemas import MAX_ID
from .text import UNSAFE_TEXT


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a positive id the database's INTEGER keys can hold.

    A larger number names no row; refusing it at routing (404) keeps it from reaching the
    database, where PostgreSQL would fail on it.
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The API endpoints anyone may call without a token; every other one authenticates the caller
# before its input is even read, so an anonymous caller always gets 401 (never a 422 that
# tells them about our schemas). The OpenAPI document marks exactly these with security: [].
PUBLIC_API_ENDPOINTS = frozenset(
    {
        "api-docs.openapi_json",
        "api-docs.openapi_redoc",
        "auth.issue_token",
        "households.card_holder",
        "boards.board",
        "boards.village_leaderboard",
        "counter.get_photo",
    }
)


def _has_unsafe_text(value: Any) -> bool:
    if isinstance(value, str):
        return bool(UNSAFE_TEXT.search(value))
    if isinstance(value, dict):
        return any(_has_unsafe_text(k) or _has_unsafe_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_unsafe_text(item) for item in value)
    return False


def check_input() -> None:
    """Refuse bodies and parameters that no schema should ever have to see."""

    def unsafe() -> ValidationFailed:
        message = _l("Text may not contain NUL characters or unpaired surrogates.")
        return ValidationFailed(errors={"request": [str(message)]})

    if any(_has_unsafe_text(v) for v in request.args.values()):
        raise unsafe()
    # A GET, HEAD or OPTIONS carries no body we read, whatever its Content-Type says; an
    # empty body is no body (the schema then says what is missing).
    data = request.get_data(cache=True) if request.method not in SAFE_METHODS else b""
    if data and request.is_json:
        try:
            body = json.loads(data)
        except (ValueError, RecursionError) as error:
            # Not JSON at all, nested too deep, or a number too long to convert.
            raise MalformedJSON() from error
        if _has_unsafe_text(body):
            raise unsafe()
    elif request.form and any(_has_unsafe_text(v) for v in request.form.values()):
        raise unsafe()


# What a request caches on ``g``: the caller (three ways) and Flask-Babel's chosen locale.
_PER_REQUEST = ("principal", "page_principal", "villager_principal", "_flask_babel")


def register_request_hooks(app: Flask) -> None:
    """The one before-request hook of the app's own: what every request needs, and no more.

    The session, the caller's token and the locale are not touched here: each is read the
    first time a route asks for it (an API route's caller first of all, below).
    """

    config = app.config
    with app.app_context():
        reads_engine = autocommit_reads(db.engine)

    @app.before_request
    def start_request():
        # The request and ``g`` once each, rather than through their proxies at every use.
        current = request._get_current_object()
        method = current.method
        writes = method not in SAFE_METHODS
        # Reads never take SQLite's write lock; writes take it at BEGIN (see database.py).
        mark_read_only(not writes)
        # On PostgreSQL a request that cannot write reads without BEGIN and COMMIT.
        read_from(None if writes else reads_engine)
        # The caller and the language are resolved per request, even when requests share an
        # app context (a request dispatched within a command's or a test's context).
        cached = vars(g._get_current_object())
        for name in _PER_REQUEST:
            cached.pop(name, None)
        if writes and config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)  # the API's blueprints are exempt
        endpoint = current.endpoint
        if (
            endpoint is not None
            and endpoint not in PUBLIC_API_ENDPOINTS
            and method != "OPTIONS"
            and current.path.startswith("/api/")
        ):
            authenticate_api_caller(endpoint)
        # No query string, no parameters to look at (``args`` would parse an empty one).
        if writes or current.query_string:
            check_input()

    @app.teardown_request
    def reads_back_on_the_primary(error=None):
        """The thread's context outlives the request: what runs next in it outside a request
        (a command, a test's own queries) reads in transactions again."""
        read_from(None)

    def authenticate_api_caller(endpoint: str) -> None:
        """401 before anything else, read in the request's one transaction."""

        principal = current_principal()
        # A PIN an admin set opens nothing until the household has chosen its own.
        if principal.pin_must_change and endpoint != "auth.change_pin":
            raise PinMustChange()


def register_transaction_end(app: Flask) -> None:
    """The request's transaction ends in the first after-request hook.

    Flask runs after-request hooks last registered first, so ``create_app`` registers this one
    last: a write's transaction (and on SQLite the write lock) ends before the other hooks
    (security headers and the like) run.
    """

    @app.after_request
    def commit_or_roll_back(response):
        """One transaction per request: commit on success, roll back otherwise. A request
        that never used the database has no session to end; one that never chose a language
        (a bare JSON answer) says none."""
        if db.session.registry.has():
            session = db.session()
            if session.in_transaction():
                if response.status_code < 400:
                    session.commit()
                else:
                    session.rollback()
        locale = getattr(g.get("_flask_babel"), "babel_locale", None)
        if locale is not None:
            response.headers.setdefault("Content-Language", language_tag(locale))
        return response


@functools.cache
def language_tag(locale) -> str:
    """``zh-Hans-CN`` for Babel's ``zh_Hans_CN``."""
    return "-".join(filter(None, (locale.language, locale.script, locale.territory)))
