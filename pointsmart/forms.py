"""HTML forms: parsing with marshmallow, and the one-time key that makes a resent form post once.

Every form that posts points renders ``{{ form_key() }}`` (a hidden, random key). The view runs
its work through :func:`run_once`, which uses the same idempotency records as the API: a double
tap or a browser resend with the same key gets the first result (usually the page to go to)
instead of posting again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from flask import flash, redirect, request, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from marshmallow import EXCLUDE, Schema, ValidationError, validates_schema

from .errors import Problem, ValidationFailed, flattened
from .extensions import db
from .idempotent import once
from .lookups import is_key
from .schemas import MAX_ID
from .validation_messages import translate_message

if TYPE_CHECKING:
    from .accounts.auth import Principal

FORM_KEY_FIELD = "form_key"
# No id has more digits than MAX_ID (2**31 - 1); no count or points typed in a form as many as
# 10 (the ledger's largest amount has 7).
MAX_ID_DIGITS = len(str(MAX_ID))
MAX_NUMBER_DIGITS = 9

# The error messages of form fields, the same on every page.
REQUIRED = {"required": _l("Please fill this in.")}
REQUIRED_NUMBER = {"required": _l("Please fill this in."), "invalid": _l("Give a number.")}
WHOLE = {"invalid": _l("Write a whole number."), "required": _l("Please fill this in.")}


def typed_twice(field: str, message: Any):
    """A form's check that a new secret typed twice (a password, a PIN) is the same both
    times: ``<field>_again`` must repeat ``<field>``, else ``message`` beside it. Like every
    schema check, it runs once the fields themselves are valid."""

    def check(self, data, **kwargs):
        if data[field] != data[f"{field}_again"]:
            raise ValidationError(message, f"{field}_again")

    return validates_schema(check)


def form_key_field() -> Markup:
    """A hidden input carrying a fresh one-time key (a Jinja global)."""
    key = secrets.token_urlsafe(16)  # URL-safe alphabet: nothing to escape
    return Markup('<input type="hidden" name="{}" value="{}">').format(FORM_KEY_FIELD, key)


def parse_form(schema: Schema, data: Any = None) -> tuple[dict, dict[str, list[str]]]:
    """Validate a submitted form; returns ``(values, errors)`` with messages in the page's
    language (schemas give their messages with ``lazy_gettext``)."""
    raw = data if data is not None else request.form.to_dict()
    raw.pop("csrf_token", None)
    raw.pop(FORM_KEY_FIELD, None)
    # An empty input means "not given", as in any web form.
    raw = {name: value for name, value in raw.items() if value != ""}
    try:
        return schema.load(raw, unknown=EXCLUDE), {}
    except ValidationError as error:
        return {}, {
            field: [translate_message(message) for message in flattened(messages)]
            for field, messages in error.normalized_messages().items()
        }


def form_id(text: str) -> int | None:
    """The id in a form's value or in a field's name (``qty-<id>``), or None for text no row's
    id can be: other than the ASCII digits the page wrote (``²``, which ``str.isdigit`` takes
    for a digit and ``int`` refuses), or beyond any row (a tampered ``2147483648``, or 10,000
    digits, more than ``int`` reads)."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS):
        return None
    key = int(text)
    return key if is_key(key) else None


def form_ids(name: str) -> list[int]:
    """The ids a multi-valued field (ticked boxes) sends, leaving out what no row's id can be
    (:func:`form_id`)."""
    keys = (form_id(value) for value in request.form.getlist(name))
    return [key for key in keys if key is not None]


def whole_number(text: str) -> int | None:
    """A whole number typed in a form (a count, points: ``12``, ``-5``, or full-width ``１２``,
    as ``fields.Int`` reads it on every other form), or None for text that is none: ``²``
    (``str.isdigit`` takes it for a digit, ``int`` refuses it), ``--5``, or more digits than
    any count or points of the app has (``int`` refuses 4,300 and more)."""
    text = text.strip()
    digits = text[1:] if text.startswith(("+", "-")) else text
    if not (digits.isdecimal() and len(digits) <= MAX_NUMBER_DIGITS):
        return None
    return int(text)


def query_id(name: str) -> int | None:
    """An id given in the address (``?grid_id=``), or None when none is given. Text that is
    no id (``bogus``, ``1.5``, ``１２``) is refused (422) instead of read as "none given",
    which would print the whole village for a mistyped grid. Digits no row's id can be are
    left to the service that looks the id up (``lookups.village_row``), which says which row
    is missing; a number longer than any id is passed on as one beyond them (``int`` reads no
    more than 4,300 digits)."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise ValidationFailed(errors={name: [str(_l("Write a whole number."))]})
    return int(text) if len(text) <= MAX_ID_DIGITS else MAX_ID + 1


def run_once(actor: Principal, payload: Any, produce: Callable[[], dict]) -> dict:
    """Run ``produce`` once per form key; a resent form gets the first result back."""
    return once(actor, request.form.get(FORM_KEY_FIELD) or "", payload, produce, status=200).body


def refusal_message(problem: Problem) -> str:
    """A refusal in words: its detail or title, then the field messages."""
    messages = [str(problem.detail if problem.detail is not None else problem.title)]
    for field_messages in (problem.errors or {}).values():
        if isinstance(field_messages, list):
            messages += [str(m) for m in field_messages]
    return " ".join(messages)


def act(
    actor: Principal,
    payload: Any,
    produce: Callable[[], dict],
    back: str,
    done: str | LazyString | Callable[[dict], str],
):
    """Run the work of a form sent from a list (a queue's decision, a reversal, a vote) once:
    flash what was done (``done``: a message, plain or lazy, or a function of the result that
    gives one) or, after rolling back, the refusal, and go ``back`` (303). A 403 or 404 stays
    the error page."""
    try:
        result = run_once(actor, payload, produce)
    except Problem as problem:
        if problem.status in (403, 404):
            raise
        db.session.rollback()
        flash(refusal_message(problem), "error")
        return redirect(back, 303)
    # A lazy message is no str, and calling one would be an error: tell them by callable().
    # Flashed as plain text: the session would keep a lazy one as markup, unescaped.
    flash(str(done(result) if callable(done) else done), "success")
    return redirect(back, 303)


def act_on_page(
    actor: Principal,
    payload: Any,
    produce: Callable[[], dict],
    page: Callable[[Any, int], Any],
    done: Callable[[dict], Any],
    *,
    errors: Callable[[Problem], Any] | None = None,
):
    """Run the work of a form that shows its own page again (an entry form) once: the answer
    is ``done(result)`` (usually a message and a redirect) or, on a refusal, after rolling back
    once, the same page again, ``page(errors(problem), problem.status)``. ``errors`` puts the
    refusal the way the page shows it; by default in words at the top of the form
    (:func:`form_refusal`)."""
    try:
        result = run_once(actor, payload, produce)
    except Problem as problem:
        db.session.rollback()
        return page((errors or form_refusal)(problem), problem.status)
    return done(result)


def form_refusal(problem: Problem) -> dict[str, list[str]]:
    """A refusal in words as an entry form's errors: the message at the top of the form."""
    return {"form": [refusal_message(problem)]}


def refuse_form(errors: dict[str, list[str]], back: str):
    """A form sent from a list that did not parse: its messages, back on the list (303)."""
    flash(" ".join(str(m) for messages in errors.values() for m in messages), "error")
    return redirect(back, 303)


def refusal_errors(
    problem: Problem, *, at: str = "form", fields: Collection[str] | None = None
) -> dict[str, list[str]]:
    """The one page-error path: a service's refusal as the form's errors, after rolling back
    what the request wrote; a 401, 403 or 404 stays the error page. Field messages stay beside
    their fields (those in ``fields``, when the page shows only some); the rest, or the refusal
    in words when it names no field, go to ``at`` (by default the top of the form)."""
    if problem.status in (401, 403, 404):
        raise problem
    db.session.rollback()
    errors = placed_errors(problem.errors or {}, at=at, fields=fields)
    return errors or {at: [str(problem.detail or problem.title)]}


def placed_errors(
    errors: dict[str, Any], *, at: str, fields: Collection[str] | None
) -> dict[str, list[str]]:
    """Each field's messages beside it when the page shows it (it is in ``fields``, or all are
    shown when ``fields`` is None); the rest at ``at``, where they are seen."""
    placed: dict[str, list[str]] = {}
    for field, messages in errors.items():
        shown_at = field if fields is None or field in fields else at
        placed.setdefault(shown_at, []).extend(str(m) for m in flattened(messages))
    return placed


def submit(
    schema: Schema,
    make: Callable[[dict], Any],
    page: Callable[[dict[str, list[str]]], Any],
    *,
    at: str = "form",
    fields: Collection[str] | None = None,
):
    """A form that shows its own page again (an admin's list-and-add page, a settings form):
    parse it with ``schema`` and answer ``make(values)`` (the work, then usually :func:`done`);
    if it does not parse, or the work is refused (rolled back, :func:`refusal_errors` with
    ``at`` and ``fields``), ``page(errors)``: the page again with the form's errors."""
    values, errors = parse_form(schema)
    if not errors:
        try:
            return make(values)
        except Problem as problem:
            errors = refusal_errors(problem, at=at, fields=fields)
    else:  # a field the page does not show (a tampered form) is told where it is seen
        errors = placed_errors(errors, at=at, fields=fields)
    return page(errors)


def done(message: str, endpoint: str, **values):
    """After a form's work: the message, and the page to see it on (303)."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values), 303)
