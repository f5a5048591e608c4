"""The app as production runs it, plus one bench-only route: ``GET /bench/bare``.

    gunicorn -w 2 bench.bench_wsgi:app      (from the repository root; see bench/http_wrk.py)
    granian --interface wsgi --workers 2 bench.bench_wsgi:app

``/bench/bare`` returns a small JSON and touches no database: what the app's own hooks cost
over the plain Flask app's ``/bare`` (``bench/plain_wsgi.py``). It exists only in this module;
the production app (``wsgi.py``) has no such route.

With ``BENCH_CHAIN_HOLD_LOG`` set to a file, each worker appends one line per committed
transaction that locked a village's chain head: the microseconds from the head's
``SELECT ... FOR UPDATE`` to the end of the commit, which is how long that transaction kept
every other posting of the village waiting (on PostgreSQL; SQLite holds its one write lock for
the whole write transaction anyway).
"""

from __future__ import annotations

import os
import threading
import time

import sqlalchemy as sa
from flask import jsonify
from sqlalchemy import orm

from pointsmart import create_app

app = create_app()


@app.get("/bench/bare")
def bare():
    return jsonify(ok=True, service="pointsmart")


def log_chain_holds(path: str) -> None:
    """Append each transaction's chain-head hold time (µs) to ``path``."""
    held = threading.local()

    @sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
    def head_locked(conn, cursor, statement, parameters, context, executemany):
        is_head = statement.lstrip().startswith("SELECT chain_heads.") and "FOR UPDATE" in statement
        if is_head and getattr(held, "since", None) is None:
            held.since = time.perf_counter()

    @sa.event.listens_for(orm.Session, "after_commit")
    def committed(session):
        since, held.since = getattr(held, "since", None), None
        if since is not None:
            with open(path, "a") as log:
                log.write(f"{(time.perf_counter() - since) * 1e6:.0f}\n")

    @sa.event.listens_for(orm.Session, "after_rollback")
    def rolled_back(session):
        held.since = None


if os.environ.get("BENCH_CHAIN_HOLD_LOG"):
    log_chain_holds(os.environ["BENCH_CHAIN_HOLD_LOG"])
