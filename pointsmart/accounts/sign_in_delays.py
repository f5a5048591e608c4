"""A staff account waits longer and longer after wrong passwords in a row.

The sign-in limits per client address (``extensions.sign_in_limited``) do not stop guesses
spread over many addresses; this one counts per account, whatever the address, as household
PINs do (``counter.pins``):

* ``FREE_TRIES`` wrong passwords in a row cost nothing; the next one, and each one after,
  makes the account wait before any further sign-in: 1 minute, then 2, 4, 8, ... at most
  ``LONGEST_WAIT_MINUTES``. While it waits, every sign-in is refused with 429
  ``sign_in_waiting`` and the minutes left, the right password too, and nothing is counted.
* A right password clears the count; so does an admin's password reset.

Each attempt is counted before its password is checked, where neither the refusal's rollback
nor guesses sent at the same moment can miss it (``refusals``), as for PINs; a right password
clears the count, this attempt included.

This tells anyone who tries that the account is waiting (so that it exists). In exchange the
clerk who mistyped learns why and for how long, and a guesser gets at most 5 tries, then 1
an hour.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..database import UTCDateTime, utcnow
from ..errors import Problem
from ..extensions import db
from ..refusals import commit_the_count, committed_at_once
from .models import User

FREE_TRIES = 5
LONGEST_WAIT_MINUTES = 60


class SignInWaiting(Problem):
    status, code = 429, "sign_in_waiting"
    title = _l("Too many wrong passwords for this account: wait, then try again.")


def wait_minutes(failures: int) -> int:
    """How long the account waits after ``failures`` wrong passwords in a row (0: not)."""
    if failures < FREE_TRIES:
        return 0
    return min(LONGEST_WAIT_MINUTES, 2 ** (failures - FREE_TRIES))


def refuse_while_waiting(until: dt.datetime | None) -> None:
    """Refuse a sign-in (``SignInWaiting``, with the minutes left) while the account waits."""
    now = utcnow()
    if until is not None and until > now:
        seconds = math.ceil((until - now).total_seconds())
        minutes = math.ceil(seconds / 60)
        raise SignInWaiting(
            _l("Try again in %(minutes)s minutes.", minutes=minutes),
            retry_after_seconds=seconds,
        )


def clear(user: User) -> None:
    """A new password set by an admin: the count starts again."""
    if user.failed_sign_ins or user.sign_in_locked_until is not None:
        user.failed_sign_ins = 0
        user.sign_in_locked_until = None


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt counted before its password is checked."""

    user_id: int
    failures: int  # wrong passwords in a row if this one is wrong too


_users = User.__table__
_NOT_WAITING = sa.or_(
    _users.c.sign_in_locked_until.is_(None),
    _users.c.sign_in_locked_until <= sa.bindparam("now", type_=UTCDateTime()),
)
_COUNT = (
    _users.update()
    .where(_users.c.id == sa.bindparam("user_id"), _NOT_WAITING)
    .values(failed_sign_ins=_users.c.failed_sign_ins + 1)
    .returning(_users.c.failed_sign_ins)
)
_WAIT = (
    _users.update()
    .where(_users.c.id == sa.bindparam("user_id"))
    .values(sign_in_locked_until=sa.bindparam("until", type_=UTCDateTime()))
)
_CLEAR = (
    _users.update()
    .where(_users.c.id == sa.bindparam("user_id"))
    .values(failed_sign_ins=0, sign_in_locked_until=None)
)


def _count(connection: sa.Connection, user_id: int) -> int | None:
    """One more attempt; from ``FREE_TRIES`` on the account waits after it (see the module)."""
    now = utcnow()
    failures = connection.execute(_COUNT, {"user_id": user_id, "now": now}).scalar()
    if failures is not None and wait_minutes(failures):
        until = now + dt.timedelta(minutes=wait_minutes(failures))
        connection.execute(_WAIT, {"user_id": user_id, "until": until})
    return failures


def take_attempt(user: User) -> Attempt:
    """Count an attempt before its password is checked; ``SignInWaiting`` while the account
    waits (the attempt is then not counted)."""
    for _ in range(2):  # a wait that ended between the count and its reading is no wait
        failures = committed_at_once(lambda connection: _count(connection, user.id))
        if failures is not None:
            return Attempt(user.id, failures)
        db.session.expire(user, ["sign_in_locked_until"])
        refuse_while_waiting(user.sign_in_locked_until)
    raise SignInWaiting()


def keep_attempt(attempt: Attempt) -> None:
    """The password was wrong: the attempt stays counted, although the sign-in is refused.
    The caller's transaction has written nothing else (a sign-in, a change of password), so
    the count is committed now (``refusals.commit_the_count``)."""
    commit_the_count()


def clear_attempts(user: User) -> None:
    """The password was right: the count starts again, this attempt included."""
    committed_at_once(lambda connection: connection.execute(_CLEAR, {"user_id": user.id}))
    db.session.expire(user, ["failed_sign_ins", "sign_in_locked_until"])
