"""Rows a campaign takes once (a nomination of a household, a member's vote on a nominee, a
household's 豆选 ballot), inserted under their unique constraint.

The services check first that the row is not there; two requests at once (a double tap, two
phones of one household, two leaders) can both pass that check on PostgreSQL, where
nominating, voting and giving beans lock the campaign's row shared only. The database then
refuses the second row; it is answered with the same refusal as the check's
(``already_nominated``, ``already_voted``, ``beans_already_given``) rather than the generic
``concurrent_change``. The insert runs in a savepoint, so nothing of it is left behind.
On SQLite writers take turns, and the second meets the check.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import Problem
from ..extensions import db

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def _is_unique_violation(error: sa.exc.IntegrityError) -> bool:
    if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
        return True
    return str(error.orig).startswith("UNIQUE constraint failed")


def add_once(row: object, refusal: Problem) -> None:
    """Insert ``row``; raise ``refusal`` when a concurrent request inserted its twin first."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except sa.exc.IntegrityError as error:
        if not _is_unique_violation(error):
            raise
        raise refusal from error
