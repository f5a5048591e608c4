"""Idempotency keys: a retried write gets the first answer and posts nothing.

A write that posts transfers first *claims* its key (inserting a pending record in its own
transaction), does its work, then *completes* the record with the response. Because the
claim and the work commit together, a key is either fully used or not used at all.

Two requests with the same key at once: on PostgreSQL the second claim waits on the unique
index until the first commits, then inserts nothing and replays the first answer; on SQLite the
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
from sqlalchemy.dialects import postgresql, sqlite

from ..database import utcnow
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


_records = IdempotencyRecord.__table__
# One INSERT claims a fresh key (no SELECT first, no SAVEPOINT): it is on every posting call.
_CLAIM = {
    dialect: (
        insert(_records)
        .values(
            scope=sa.bindparam("scope"),
            key=sa.bindparam("key"),
            fingerprint=sa.bindparam("fingerprint"),
            status_code=PENDING,
            response_body="",
            created_at=sa.bindparam("created_at"),
        )
        .on_conflict_do_nothing(index_elements=[_records.c.scope, _records.c.key])
        .returning(_records.c.id)
    )
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


def claim(scope: str, key: str | None, request_fingerprint: str) -> Replay | int:
    """Claim ``key`` for this request (the new record's id), or the answer it got before.

    Raises ``IdempotencyKeyRequired`` for a missing or bad key and ``IdempotencyKeyReused``
    when the key was used for a different request. Only a key already used is read back.
    """
    key = check_key(key)
    claimed = db.session.execute(
        _CLAIM[db.session.get_bind().dialect.name],
        {"scope": scope, "key": key, "fingerprint": request_fingerprint, "created_at": utcnow()},
    ).scalar()
    if claimed is not None:
        return claimed
    # Another request holding the same key committed first.
    existing = db.session.execute(_FIND, {"scope": scope, "key": key}).one()
    if existing.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            _l("The key %(key)s was first used with a different request.", key=key)
        )
    return Replay(existing.status_code, json.loads(existing.response_body))


def complete(record_id: int, status_code: int, body: Any) -> None:
    """Store the answer for replays, in the same transaction as the work."""
    db.session.flush()
    db.session.execute(
        _COMPLETE,
        {
            "record_id": record_id,
            "status_code": status_code,
            "body": json.dumps(body, ensure_ascii=False, default=str),
        },
    )
