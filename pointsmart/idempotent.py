"""Running a posting API call under its Idempotency-Key (see ``ledger.idempotency``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request

from .accounts.auth import Principal
from .ledger import idempotency

REPLAYED_HEADER = "Idempotent-Replayed"


def idempotent_call(
    actor: Principal,
    payload: Any,
    produce: Callable[[], dict | tuple[dict, int]],
    status: int = 201,
) -> Response:
    """Answer a replayed request from its record, or run ``produce`` and record its answer.

    ``payload`` is the validated request (for the fingerprint); ``produce`` does the work
    and returns the JSON body to send, or ``(body, status)`` when its status depends on the
    outcome (an offline sale: 201 posted, 202 kept for the committee).
    """
    key = request.headers.get("Idempotency-Key")
    request_fingerprint = idempotency.fingerprint(request.method, request.path, payload)
    claimed = idempotency.claim(actor.scope, key, request_fingerprint)
    if isinstance(claimed, idempotency.Replay):
        response = jsonify(claimed.body)
        response.status_code = claimed.status_code
        response.headers[REPLAYED_HEADER] = "true"
        return response
    body = produce()
    if isinstance(body, tuple):
        body, status = body
    idempotency.complete(claimed, status, body)
    response = jsonify(body)
    response.status_code = status
    return response
