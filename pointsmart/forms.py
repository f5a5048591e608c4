"""HTML forms: parsing with marshmallow, and the one-time key that makes a resent form post once.

Every form that posts points renders ``{{ form_key() }}`` (a hidden, random key). The view runs
its work through :func:`run_once`, which uses the same idempotency records as the API: a double
tap or a browser resend with the same key gets the first result (usually the page to go to)
instead of posting again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import request
from markupsafe import Markup
from marshmallow import EXCLUDE, Schema, ValidationError

from .accounts.auth import Principal
from .ledger import idempotency
from .validation_messages import translate_message

FORM_KEY_FIELD = "form_key"


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
            field: [translate_message(message) for message in _flatten(messages)]
            for field, messages in error.normalized_messages().items()
        }


def run_once(actor: Principal, payload: Any, produce: Callable[[], dict]) -> dict:
    """Run ``produce`` once per form key; a resent form gets the first result back."""
    key = request.form.get(FORM_KEY_FIELD) or ""
    fingerprint = idempotency.fingerprint(request.method, request.path, payload)
    claimed = idempotency.claim(actor.scope, key, fingerprint)
    if isinstance(claimed, idempotency.Replay):
        return claimed.body
    result = produce()
    idempotency.complete(claimed, 200, result)
    return result


def _flatten(messages: Any) -> list[Any]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flatten(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flatten(value)]
    return [messages]
