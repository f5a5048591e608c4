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

from ..errors import Problem, constraint_broken
from ..extensions import db


def _unique_constraints(row: object) -> set[str]:
    table = row.__table__
    return {c.name for c in table.constraints if isinstance(c, sa.UniqueConstraint)}


def add_once(row: object, refusal: Problem) -> None:
    """Insert ``row``; raise ``refusal`` when a concurrent request inserted its twin first
    (the database refused it by one of its table's unique constraints)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except sa.exc.IntegrityError as error:
        if constraint_broken(error) not in _unique_constraints(row):
            raise
        raise refusal from error
