"""Idempotency keys: a retried write gets the first answer and posts nothing.

A write that posts transfers first *claims* its key (inserting a pending record in its own
transaction), does its work, then *completes* the record with the response. Because the
claim and the work commit together, a key is either fully used or not used at all.

Two requests with the same key at once: on PostgreSQL the second claim waits on the unique
index until the first commits, then fails and replays the first answer; on SQLite the
IMMEDIATE transactions run one after the other, so the second sees the committed record.

Only successful answers are kept: a refused request (say 409 ``insufficient_points``) rolls
back with its claim, so the client may retry the same key once the situation has changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .errors import IdempotencyKeyRequired, IdempotencyKeyReused
from .models import IdempotencyRecord

MAX_KEY_LENGTH = 64
PENDING = 0


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: Any


def fingerprint(method: str, path: str, payload: Any) -> str:
    """SHA-256 of a request's method, path and canonical JSON payload."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def check_key(key: str | None) -> str:
    if key is None or not (1 <= len(key) <= MAX_KEY_LENGTH) or not key.isprintable():
        raise IdempotencyKeyRequired()
    return key


def claim(scope: str, key: str, request_fingerprint: str) -> Replay | IdempotencyRecord:
    """Claim ``key`` for this request, or return the answer a previous request got with it.

    Raises ``IdempotencyKeyReused`` when the key was used for a different request.
    """
    key = check_key(key)
    existing = _find(scope, key)
    if existing is None:
        record = IdempotencyRecord(
            scope=scope,
            key=key,
            fingerprint=request_fingerprint,
            status_code=PENDING,
            response_body="",
        )
        try:
            with db.session.begin_nested():
                db.session.add(record)
        except sa.exc.IntegrityError:
            # Another request holding the same key committed first.
            existing = _find(scope, key)
            if existing is None:
                raise
        else:
            return record
    if existing.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            _l("The key %(key)s was first used with a different request.", key=key)
        )
    return Replay(existing.status_code, json.loads(existing.response_body))


def complete(record: IdempotencyRecord, status_code: int, body: Any) -> None:
    """Store the answer for replays, in the same transaction as the work."""
    record.status_code = status_code
    record.response_body = json.dumps(body, ensure_ascii=False, default=str)
    db.session.flush()


def _find(scope: str, key: str) -> IdempotencyRecord | None:
    return db.session.execute(
        sa.select(IdempotencyRecord)
        .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
