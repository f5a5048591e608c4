"""Every read of the matrix, as the first role allowed it, through the app's own session.

The matrix's own requests run in one test transaction (``matrix.isolated``), which keeps its
world unchanged but leaves out ``RoutingSession``: here the world is committed, and on
PostgreSQL each GET reads in AUTOCOMMIT (``database.autocommit_reads``) as in production. A
read that needs a transaction there (a server-side cursor, for one: the exports answered 500)
fails here before it reaches a village. And a read writes nothing unless it says so first
(``database.writes_in_this_request``): one that wrote unannounced would hold two of the
pool's connections on PostgreSQL, its AUTOCOMMIT reads' and its write's.

Not in ``tests/security``: that package's matrix swaps the app's session for its isolated one
while its tests run, and this world must be built and read through the real one.
"""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from pointsmart import clock
from pointsmart.extensions import db
from tests.security.conftest import app_with_world
from tests.security.matrix import ROLES, matches, outcome, send
from tests.security.test_authorization import MATRIX

READS = sorted(rule for (method, rule), cells in MATRIX.items() if method == "GET" and
               any(c.startswith("2") for c in cells))  # fmt: skip
# The reads that say they write: printing an ended month's 公示 sheet records it.
ANNOUNCED_WRITERS = {"/villages/<int:village_id>/reports/sheet.pdf"}


@pytest.fixture(scope="module")
def committed_world(tmp_path_factory):
    with app_with_world(tmp_path_factory, "reads") as app_and_world:
        yield app_and_world


@pytest.mark.parametrize("rule", READS, ids=[rule.replace(" ", "") for rule in READS])
def test_every_read_answers_through_the_apps_own_session(committed_world, rule):
    app, world = committed_world
    cells = MATRIX[("GET", rule)]
    role, expected = next((r, c) for r, c in zip(ROLES, cells, strict=True) if c[0] == "2")

    with app.app_context(), clock.historical(world.seeded_at), writes(db.engine) as written:
        response = send(app, world, "GET", rule, role)

    assert matches(expected, outcome(response)), (role, response.status_code)
    if rule not in ANNOUNCED_WRITERS:
        assert written == []


@contextlib.contextmanager
def writes(engine):
    """The INSERT, UPDATE and DELETE statements run on ``engine`` meanwhile, but for the
    matrix's own sign-in token (``World.token`` adds one to the session for each request)."""
    written: list[str] = []

    def record(connection, cursor, statement, *args):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE") and "INTO api_tokens" not in statement:
            written.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield written
    finally:
        event.remove(engine, "before_cursor_execute", record)
