"""Running a request once per key: the one mechanism behind the API's Idempotency-Key and
the forms' one-time key (``forms.run_once``), over the ledger's idempotency records
(``ledger.idempotency``).

A request whose key was used before with the same request gets the first answer back (its
body and status; the API marks it with ``Idempotent-Replayed: true``) and runs nothing; the
same key with another request is refused (``ledger.idempotency``). A refusal named in
``keep`` is recorded as the answer and committed with what the request made before it (a
big award queued for approval is kept although the answer is a 409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Response, jsonify, request

from .errors import Problem, problem_response
from .extensions import db
from .ledger import idempotency

if TYPE_CHECKING:
    from .accounts.auth import Principal

REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Answer:
    body: dict
    status: int
    replayed: bool


def once(
    actor: Principal,
    key: str | None,
    payload: Any,
    produce: Callable[[], dict | tuple[dict, int]],
    *,
    status: int,
    keep: tuple[type[Problem], ...] = (),
) -> Answer:
    """Run ``produce`` once per ``key`` in the caller's scope, or answer from the record.

    ``produce`` returns the body, or ``(body, status)`` when its status depends on the
    outcome (an offline sale: 201 posted, 202 kept for the committee).
    """
    fingerprint = idempotency.fingerprint(request.method, request.path, payload)
    claimed = idempotency.claim(actor.scope, key, fingerprint)
    if isinstance(claimed, idempotency.Replay):
        return Answer(claimed.body, claimed.status_code, replayed=True)
    try:
        body = produce()
    except keep as refusal:
        idempotency.complete(claimed, refusal.status, refusal.to_dict())
        db.session.commit()
        raise
    if isinstance(body, tuple):
        body, status = body
    idempotency.complete(claimed, status, body)
    return Answer(body, status, replayed=False)


def idempotent_call(
    actor: Principal,
    payload: Any,
    produce: Callable[[], dict | tuple[dict, int]],
    status: int = 201,
    *,
    keep: tuple[type[Problem], ...] = (),
) -> Response:
    """An API call under its Idempotency-Key: ``payload`` is the validated request (for the
    fingerprint), ``produce`` does the work and returns the JSON body to send."""
    answer = once(
        actor, request.headers.get("Idempotency-Key"), payload, produce, status=status, keep=keep
    )
    if answer.status >= 400:  # a kept refusal, answered again
        response = problem_response(_StoredProblem(answer.body))
    else:
        response = jsonify(answer.body)
    response.status_code = answer.status
    if answer.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return response


class _StoredProblem:
    """A recorded problem body, answered again as problem+json."""

    def __init__(self, body: dict):
        self.body = body
        self.status = body.get("status", 409)

    def to_dict(self) -> dict:
        return self.body
