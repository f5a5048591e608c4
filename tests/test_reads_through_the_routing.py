"""Every read of the matrix, as the first role allowed it, through the app's own session.

The matrix's own requests run in one test transaction (``matrix.isolated``), which keeps its
world unchanged but leaves out ``RoutingSession``: here the world is committed, and on
PostgreSQL each GET reads in AUTOCOMMIT (``database.autocommit_reads``) as in production. A
read that needs a transaction there (a server-side cursor, for one: the exports answered 500)
fails here before it reaches a village.

Not in ``tests/security``: that package's matrix swaps the app's session for its isolated one
while its tests run, and this world must be built and read through the real one.
"""

from __future__ import annotations

import pytest

from pointsmart import clock
from tests.security.conftest import app_with_world
from tests.security.matrix import ROLES, matches, outcome, send
from tests.security.test_authorization import MATRIX

READS = sorted(rule for (method, rule), cells in MATRIX.items() if method == "GET" and
               any(c.startswith("2") for c in cells))  # fmt: skip


@pytest.fixture(scope="module")
def committed_world(tmp_path_factory):
    with app_with_world(tmp_path_factory, "reads") as app_and_world:
        yield app_and_world


@pytest.mark.parametrize("rule", READS, ids=[rule.replace(" ", "") for rule in READS])
def test_every_read_answers_through_the_apps_own_session(committed_world, rule):
    app, world = committed_world
    cells = MATRIX[("GET", rule)]
    role, expected = next((r, c) for r, c in zip(ROLES, cells, strict=True) if c[0] == "2")

    with app.app_context(), clock.historical(world.seeded_at):
        response = send(app, world, "GET", rule, role)

    assert matches(expected, outcome(response)), (role, response.status_code)
