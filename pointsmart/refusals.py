"""Counting attempts at a secret (a PIN, a password) so that guessing stays limited.

A limit on wrong guesses (five wrong PINs lock the PIN) only holds if every guess is counted
before the next one is checked. Two things stand in the way:

* A wrong guess refuses its request, and a refused request rolls back everything it did,
  the count included.
* Guesses sent at once: if each reads the count, checks the secret and writes the count
  afterwards, they all read the count from before the others and are all checked.

So an attempt is counted *first*, where the refusal cannot undo it, and checked after:

* PostgreSQL: :func:`committed_at_once` runs the counting on a connection of its own and
  commits it before the secret is checked. A guess sent at the same moment waits on the row
  and then reads the count with this attempt in it. A right secret clears the count the same
  way, so a sale refused afterwards (too few points) does not leave the attempt counted.
* SQLite: the request already holds the database's one write lock from its first statement
  (``BEGIN IMMEDIATE``, ``database``), so guesses run one after another, and a second
  connection could not write until the request ends. The counting runs in the request's own
  transaction; when the refusal rolls it back, :func:`again_after_the_refusal` writes it again
  in a transaction of its own. So does a session bound to one connection (the tests' session,
  rolled back at the end of each test), which has no other connection to count on.
  Between the rollback and the second write, a guess another worker has in flight can take
  the lock and read the count without this attempt. A caller whose transaction holds nothing
  but its attempts (a sign-in, a change of one's own PIN or password) closes that moment:
  :func:`commit_the_count` commits the count before the refusal, with the lock still held.
  A sale cannot (its idempotency key is claimed before the PIN is checked, and must roll
  back with the refusal): with SQLite's two workers one guess more than the limit may be
  checked at the counter (``tests/test_refusals.py`` measures it).

Outside a request (a command, a test calling the service) everything runs at once, in the
caller's transaction on SQLite.

One difference stays: on SQLite a right secret clears the count with the request, so a sale
refused after its right PIN (too few points) leaves the count as it was before the attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import after_this_request, has_request_context

from .database import is_sqlite
from .extensions import db

T = TypeVar("T")

# The counting connection waits at most this long for the row: a caller that has written
# the same row in its own transaction would otherwise wait for itself for ever.
_LOCK_TIMEOUT = "5s"


def _in_the_request() -> bool:
    return is_sqlite(db.engine) or not isinstance(db.session.get_bind(), sa.Engine)


def committed_at_once(work: Callable[[sa.Connection], T]) -> T:
    """Run ``work`` so that it is committed before the request goes on (see the module)."""
    if _in_the_request():
        return work(db.session.connection())
    with db.engine.begin() as connection:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")
        return work(connection)


def again_after_the_refusal(work: Callable[[sa.Connection], object]) -> None:
    """Keep what ``committed_at_once`` counted although the request is refused.

    Only SQLite needs it: there the counting ran in the request's transaction, which the
    refusal rolls back; it is written again after the rollback, in a transaction of its own.
    """
    if not _in_the_request() or not has_request_context():
        return

    @after_this_request
    def written_after_the_refusal(response):
        db.session.rollback()
        work(db.session.connection())
        db.session.commit()
        return response


def commit_the_count() -> None:
    """Commit what was counted now, for a caller whose transaction holds nothing else (see
    the module): on SQLite, and in a session bound to one connection; on PostgreSQL the count
    is committed already."""
    if _in_the_request():
        db.session.commit()
