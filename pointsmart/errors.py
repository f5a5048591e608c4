"""Named refusals and the single error envelope.

Every refusal the service layer can make is a subclass of :class:`Problem` that carries the
HTTP status and the stable, machine-readable ``code`` from API.md. ``register_error_handlers``
turns them, marshmallow/webargs validation errors and plain HTTP errors into
``application/problem+json`` under ``/api/`` and into a friendly page elsewhere (and
``exit_refused`` on the command line). The catch-all logs the exception and returns a
generic 500 that reveals nothing.
"""

from __future__ import annotations

import re
import sys
from typing import Any, NoReturn

import click
import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug import exceptions as http
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db
from .validation_messages import translate_messages

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """A refusal with a stable code. Subclasses set ``status``, ``code`` and ``title``."""

    status: int = 409
    code: str = "conflict"
    title: Any = _l("The request conflicts with the current state.")

    def __init__(self, detail: Any = None, *, errors: dict | None = None, **extra: Any):
        super().__init__(str(detail) if detail is not None else str(self.title))
        self.detail = detail
        self.errors = errors
        self.extra = extra

    def field_messages(self) -> list[str]:
        """The messages of ``errors``, in order, for a page that shows no form (the error
        page): a period or a grid given in the address, say."""
        return [str(message) for message in flattened(self.errors or {})]

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "code": self.code, "title": str(self.title)}
        if self.detail is not None:
            body["detail"] = str(self.detail)
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


def flattened(messages: Any) -> list[Any]:
    """Every message of a (nested) errors mapping or list, in order."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in flattened(value)]
    if isinstance(messages, list | tuple):
        return [m for value in messages for m in flattened(value)]
    return [messages]


class BadRequest(Problem):
    status, code, title = 400, "bad_request", _l("The request is malformed.")


class MalformedJSON(BadRequest):
    code, title = "malformed_json", _l("The request body is not valid JSON.")


class Unauthorized(Problem):
    status, code, title = 401, "unauthorized", _l("Sign in first: the token is missing or bad.")


class Forbidden(Problem):
    status, code, title = 403, "forbidden", _l("You are not allowed to do this.")


class NotFound(Problem):
    status, code, title = 404, "not_found", _l("Not found.")


class ValidationFailed(Problem):
    status, code, title = 422, "validation_failed", _l("Some fields are not valid.")


class ConcurrentChange(Problem):
    status, code = 409, "concurrent_change"
    title = _l("Someone else changed the same thing at this moment. Please try again.")


# PostgreSQL's SQLSTATE for a lock that ``lock_timeout`` gave up waiting for.
LOCK_NOT_AVAILABLE = "55P03"


class Busy(Problem):
    status, code = 503, "busy"
    title = _l("The system is busy. Wait a moment and try again; nothing was saved.")


class ConnectionLost(Problem):
    status, code = 503, "connection_lost"
    title = _l(
        "The connection to the database was lost for a moment; nothing was saved. Try again."
    )


class OutcomeUnknown(Problem):
    status, code = 503, "outcome_unknown"
    title = _l(
        "The connection to the database was lost while saving: it may or may not have been "
        "saved. Look before doing it again; the same form or key sent again is done only once."
    )


class RateLimited(Problem):
    status, code, title = 429, "rate_limited", _l("Too many attempts. Wait and try again.")


def problem_response(problem: Problem, headers: dict | None = None):
    response = jsonify(problem.to_dict())
    response.status_code = problem.status
    response.mimetype = PROBLEM_JSON
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def exit_refused(problem: Problem) -> NoReturn:
    """A refusal on the command line: the transaction rolled back, the refusal and each
    field's messages on stderr, exit status 2."""
    db.session.rollback()
    click.echo(f"error: {problem.detail or problem.title}", err=True)
    for field, messages in (problem.errors or {}).items():
        click.echo(f"  {field}: {'; '.join(messages)}", err=True)
    sys.exit(2)


SPEAKS_JSON = "pointsmart_speaks_json"


def speaks_json(blueprint: Blueprint) -> Blueprint:
    """Mark a blueprint of JSON endpoints outside ``/api/`` (a page's own, called by its
    script): its refusals, CSRF's included, answer problem+json rather than an error page."""
    setattr(blueprint, SPEAKS_JSON, True)
    return blueprint


def wants_problem_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    blueprint = current_app.blueprints.get(request.blueprint or "")
    return getattr(blueprint, SPEAKS_JSON, False)


_HTTP_CODES = {
    400: ("bad_request", _l("The request is malformed.")),
    401: ("unauthorized", _l("Sign in first: the token is missing or bad.")),
    403: ("forbidden", _l("You are not allowed to do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    413: ("payload_too_large", _l("The request is too large.")),
    415: ("unsupported_media_type", _l("Send the body as application/json.")),
    422: ("validation_failed", _l("Some fields are not valid.")),
    429: ("rate_limited", _l("Too many attempts. Wait and try again.")),
}


def _problem_from_http(error: HTTPException) -> Problem:
    status = error.code or 500
    code, title = _HTTP_CODES.get(status, ("error", error.name))
    problem = Problem()
    problem.status, problem.code, problem.title = status, code, title
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if isinstance(error, CSRFError):
        problem.code = "csrf_failed"
        problem.title = _l("This form has expired. Go back, reload the page and try again.")
    elif status == 400 and messages and "json" in messages:
        # webargs reports an unparseable body as a 400 with messages under "json".
        problem.code, problem.title = MalformedJSON.code, MalformedJSON.title
    elif status == 422 and messages:
        # webargs nests errors by location ({"json": {...}, "query": {...}}); clients want
        # field names, so flatten one level.
        flat: dict[str, Any] = {}
        for location_errors in messages.values():
            if isinstance(location_errors, dict):
                flat.update(location_errors)
        problem.errors = translate_messages(flat or messages)
    elif status not in _HTTP_CODES:
        problem.detail = error.description
    return problem


def _another_method_takes(error: http.MethodNotAllowed) -> bool:
    """Whether a method the 405 offers takes this address. Werkzeug checks the method before
    the path's values, so an id no route takes (``/products/0/photo``) is a 405 when the
    same pattern has routes of other methods; none of them takes it either: a 404."""
    adapter = current_app.create_url_adapter(request)
    for method in error.valid_methods or ():
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        return True
    return False


UNIQUE_REFUSALS = "pointsmart.unique_refusals"


def refuse_duplicates(app: Flask, constraint: str, field: str, message: Any) -> None:
    """Answer a row refused by the unique ``constraint`` as the service's own check would
    have: 422 with ``message`` beside ``field``.

    Two requests at once can both pass a service's check that a name or number is free; on
    PostgreSQL the database then refuses the second's row (on SQLite writers take turns, so
    the second meets the check). Without this the second got 409 ``concurrent_change``.
    Registered by the package that owns the check, when the app is built."""
    app.extensions.setdefault(UNIQUE_REFUSALS, {})[constraint] = (field, message)


def _refusal_for(error: sa.exc.IntegrityError) -> Problem:
    known = current_app.extensions.get(UNIQUE_REFUSALS, {}).get(constraint_broken(error))
    if known is None:
        return ConcurrentChange()
    field, message = known
    return ValidationFailed(errors={field: [str(message)]})


def constraint_broken(error: sa.exc.IntegrityError) -> str | None:
    """The unique constraint a row broke: psycopg names it (``diag.constraint_name``);
    SQLite names the columns (``UNIQUE constraint failed: households.village_id,
    households.number``), whose constraint's name the metadata's naming convention gives."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None:
        return diag.constraint_name
    found = _SQLITE_UNIQUE.match(str(error.orig))
    if found is None:
        return None
    columns = [column.strip().split(".") for column in found["columns"].split(",")]
    if any(len(parts) != 2 for parts in columns):
        return None
    return f"uq_{columns[0][0]}_" + "_".join(name for _table, name in columns)


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w., ]+)$")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(Problem)
    def handle_problem(problem: Problem):
        db.session.rollback()
        if wants_problem_json():
            return problem_response(problem)
        return render_template("error.html", problem=problem), problem.status

    @app.errorhandler(sa.exc.IntegrityError)
    def handle_integrity_error(error: sa.exc.IntegrityError):
        # The checks before a write passed, but a concurrent request committed the same unique
        # thing first (a household number, a username, ...). Nothing of this one was saved.
        current_app.logger.warning("integrity error on %s: %s", request.path, error.orig)
        return handle_problem(_refusal_for(error))

    @app.errorhandler(sa.exc.OperationalError)
    def handle_operational_error(error: sa.exc.OperationalError):
        if "database is locked" in str(error.orig):
            # SQLite's single writer stayed busy past the busy timeout.
            current_app.logger.warning("database locked on %s", request.path)
            return try_again(Busy())
        if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            # A row stayed held past a lock_timeout (an attempt at a PIN or password counted
            # on a connection of its own, ``refusals``): nothing was saved, try again.
            current_app.logger.warning("lock timeout on %s", request.path)
            return try_again(Busy())
        if error.connection_invalidated:
            # The server's side of the connection went (a restart, a firewall) while the view
            # ran: its transaction went with it uncommitted. SQLAlchemy renews the pool.
            current_app.logger.warning("database connection lost on %s: %s", request.path, error)
            return try_again(ConnectionLost())
        return handle_unexpected(error)

    def try_again(problem: Problem):
        db.session.rollback()
        if wants_problem_json():
            return problem_response(problem, {"Retry-After": "2"})
        return render_template("error.html", problem=problem), 503, {"Retry-After": "2"}

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        if isinstance(error, InternalServerError):
            original = error.original_exception
            if isinstance(original, sa.exc.OperationalError) and original.connection_invalidated:
                # Raised outside the view: by the commit in the after-request hook, whose
                # outcome the lost connection took with it.
                current_app.logger.warning("database connection lost committing %s", request.path)
                return try_again(OutcomeUnknown())
            return handle_unexpected(original or error)
        if isinstance(error, http.MethodNotAllowed) and not _another_method_takes(error):
            error = http.NotFound()
        db.session.rollback()
        problem = _problem_from_http(error)
        if wants_problem_json():
            headers = dict(getattr(error, "data", {}).get("headers", {}) or {})
            if error.code == 405 and error.valid_methods:
                headers["Allow"] = ", ".join(error.valid_methods)
            return problem_response(problem, headers)
        return render_template("error.html", problem=problem), problem.status

    @app.errorhandler(Exception)
    def handle_unexpected(error: BaseException):
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        problem = Problem()
        problem.status, problem.code = 500, "internal_error"
        problem.title = _l("Something went wrong on our side. Nothing was saved.")
        if wants_problem_json():
            return problem_response(problem)
        try:
            return render_template("error.html", problem=problem), 500
        except Exception:  # the error page itself failed: answer without templates
            current_app.logger.exception("error page failed to render")
            return str(problem.title), 500, {"Content-Type": "text/plain; charset=utf-8"}
