"""A staff account waits longer and longer after wrong passwords in a row.

The sign-in limits per client address (``extensions.sign_in_limited``) do not stop guesses
spread over many addresses; this one counts per account, whatever the address, as household
PINs do (``counter.pins``):

* ``FREE_TRIES`` wrong passwords in a row cost nothing; the next one, and each one after,
  makes the account wait before any further sign-in: 1 minute, then 2, 4, 8, ... at most
  ``LONGEST_WAIT_MINUTES``. While it waits, every sign-in is refused with 429
  ``sign_in_waiting`` and the minutes left, the right password too, and nothing is counted.
* A right password clears the count; so does an admin's password reset.

A wrong password refuses the request, and a refused request rolls back everything it did;
the failure is recorded after the rollback, in a transaction of its own
(``refusals.write_after_the_refusal``), as for PINs.

This tells anyone who tries that the account is waiting (so that it exists). In exchange the
clerk who mistyped learns why and for how long, and a guesser gets at most 5 tries, then 1
an hour.
"""

from __future__ import annotations

import datetime as dt
import functools
import math

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..database import utcnow
from ..errors import Problem
from ..extensions import db
from ..refusals import write_after_the_refusal
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


def check_not_waiting(user: User) -> None:
    """Refuse a sign-in (``SignInWaiting``) while the account waits."""
    now = utcnow()
    until = user.sign_in_locked_until
    if until is not None and until > now:
        seconds = math.ceil((until - now).total_seconds())
        minutes = math.ceil(seconds / 60)
        raise SignInWaiting(
            _l("Try again in %(minutes)s minutes.", minutes=minutes),
            retry_after_seconds=seconds,
        )


def clear(user: User) -> None:
    """A right password (or a new one set by an admin): the count starts again."""
    if user.failed_sign_ins or user.sign_in_locked_until is not None:
        user.failed_sign_ins = 0
        user.sign_in_locked_until = None


def count_failure(user_id: int) -> None:
    """Count a wrong password once the refusal has rolled the request back."""
    write_after_the_refusal(functools.partial(record_failure, user_id))


def record_failure(user_id: int) -> None:
    """One more wrong password; past ``FREE_TRIES`` the account waits (see the module)."""
    table = User.__table__
    db.session.execute(
        table.update()
        .where(table.c.id == user_id)
        .values(failed_sign_ins=table.c.failed_sign_ins + 1)
    )
    failures = db.session.execute(
        sa.select(table.c.failed_sign_ins).where(table.c.id == user_id)
    ).scalar_one()
    minutes = wait_minutes(failures)
    if minutes:
        db.session.execute(
            table.update()
            .where(table.c.id == user_id)
            .values(sign_in_locked_until=utcnow() + dt.timedelta(minutes=minutes))
        )
