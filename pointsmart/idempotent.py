"""Running a posting API call under its Idempotency-Key.

The claim follows ``ledger.idempotency`` (the same record, the same answers and refusals)
in fewer statements, as the API's posting calls are the hot path: one
``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` claims a fresh key (no SELECT first, no
SAVEPOINT); only a key already used is read back, to replay its answer or refuse it. On
PostgreSQL a second request with the same key waits on the unique index until the first
commits, then inserts nothing and replays the first answer; on SQLite the IMMEDIATE
transactions run one after the other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from .accounts.auth import Principal
from .database import utcnow
from .extensions import db
from .ledger import idempotency
from .ledger.errors import IdempotencyKeyReused
from .ledger.models import IdempotencyRecord

REPLAYED_HEADER = "Idempotent-Replayed"

_records = IdempotencyRecord.__table__
_CLAIM = {
    dialect: insert(_records)
    .values(
        scope=sa.bindparam("scope"),
        key=sa.bindparam("key"),
        fingerprint=sa.bindparam("fingerprint"),
        status_code=idempotency.PENDING,
        response_body="",
        created_at=sa.bindparam("created_at"),
    )
    .on_conflict_do_nothing(index_elements=[_records.c.scope, _records.c.key])
    .returning(_records.c.id)
    for dialect, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_FIND = sa.select(_records.c.fingerprint, _records.c.status_code, _records.c.response_body).where(
    _records.c.scope == sa.bindparam("scope"), _records.c.key == sa.bindparam("key")
)
_COMPLETE = (
    _records.update()
    .where(_records.c.id == sa.bindparam("record_id"))
    .values(status_code=sa.bindparam("status_code"), response_body=sa.bindparam("body"))
)


def claim(scope: str, key: str | None, request_fingerprint: str) -> idempotency.Replay | int:
    """Claim ``key`` for this request (the new record's id), or the answer it got before.

    Raises ``IdempotencyKeyRequired`` for a missing or bad key and ``IdempotencyKeyReused``
    when the key was used for a different request, as ``ledger.idempotency.claim`` does.
    """
    key = idempotency.check_key(key)
    db.session.flush()
    connection = db.session.connection()
    claimed = connection.execute(
        _CLAIM[connection.dialect.name],
        {"scope": scope, "key": key, "fingerprint": request_fingerprint, "created_at": utcnow()},
    ).scalar_one_or_none()
    if claimed is not None:
        return claimed
    # Another request holding the same key committed first.
    existing = connection.execute(_FIND, {"scope": scope, "key": key}).one()
    if existing.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            _l("The key %(key)s was first used with a different request.", key=key)
        )
    return idempotency.Replay(existing.status_code, json.loads(existing.response_body))


def complete(record_id: int, status_code: int, body: Any) -> None:
    """Store the answer for replays, in the same transaction as the work."""
    db.session.flush()
    db.session.connection().execute(
        _COMPLETE,
        {
            "record_id": record_id,
            "status_code": status_code,
            "body": json.dumps(body, ensure_ascii=False, default=str),
        },
    )


def idempotent_call(
    actor: Principal, payload: Any, produce: Callable[[], dict], status: int = 201
) -> Response:
    """Answer a replayed request from its record, or run ``produce`` and record its answer.

    ``payload`` is the validated request (for the fingerprint); ``produce`` does the work
    and returns the JSON body to send.
    """
    key = request.headers.get("Idempotency-Key")
    request_fingerprint = idempotency.fingerprint(request.method, request.path, payload)
    claimed = claim(actor.scope, key, request_fingerprint)
    if isinstance(claimed, idempotency.Replay):
        response = jsonify(claimed.body)
        response.status_code = claimed.status_code
        response.headers[REPLAYED_HEADER] = "true"
        return response
    body = produce()
    complete(claimed, status, body)
    response = jsonify(body)
    response.status_code = status
    return response
