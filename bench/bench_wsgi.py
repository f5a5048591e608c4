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

from flask import jsonify

from pointsmart import create_app

app = create_app()


@app.get("/bench/bare")
def bare():
    return jsonify(ok=True, service="pointsmart")


def log_chain_holds(path: str) -> None:
    """Append each transaction's chain-head hold time (µs) to ``path``.

    Watched at the driver (psycopg's cursor and connection), below SQLAlchemy, so that the
    same measurement works for code that sends its statements past SQLAlchemy's events (the
    driver-level statements this app had before issue 13, measured for the before figure).
    """
    import psycopg

    held = threading.local()
    execute, commit, rollback = (
        psycopg.Cursor.execute,
        psycopg.Connection.commit,
        psycopg.Connection.rollback,
    )

    def watched_execute(cursor, query, *args, **kwargs):
        text = query if isinstance(query, str) else str(query)
        is_head = "FOR UPDATE" in text and text.lstrip().startswith("SELECT chain_heads.")
        if is_head and getattr(held, "since", None) is None:
            held.since = time.perf_counter()
        return execute(cursor, query, *args, **kwargs)

    def watched_commit(connection):
        try:
            return commit(connection)
        finally:
            since, held.since = getattr(held, "since", None), None
            if since is not None:
                with open(path, "a") as log:
                    log.write(f"{(time.perf_counter() - since) * 1e6:.0f}\n")

    def watched_rollback(connection):
        held.since = None
        return rollback(connection)

    psycopg.Cursor.execute = watched_execute
    psycopg.Connection.commit = watched_commit
    psycopg.Connection.rollback = watched_rollback


def queue_sqlite_writers(engine) -> None:
    """An experiment, not the app's behaviour: SQLite writers wait for an OS file lock
    (``fcntl.flock`` on ``<database>.writers``) taken before ``BEGIN IMMEDIATE`` and given up
    at the transaction's end, so a waiting worker is woken by the kernel the moment the lock is
    free, instead of sleeping in SQLite's busy handler (1, 2, 5 ... 100 ms steps). Set
    ``BENCH_SQLITE_WRITER_LOCK=1`` to measure what that would change (bench/http_wrk.py)."""
    import fcntl

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from pointsmart import database

    lock_path = f"{engine.url.database}.writers"

    def take(connection):
        if connection.engine is not engine or not database._writes_allowed.get():
            return  # a reader: BEGIN DEFERRED, no queue
        info = connection.connection.info
        if "writers_lock" not in info:
            info["writers_lock"] = open(lock_path, "a")  # noqa: SIM115 - held for the connection
        fcntl.flock(info["writers_lock"], fcntl.LOCK_EX)
        info["writers_lock_held"] = True

    def give_up(connection):
        info = connection.connection.info
        if info.pop("writers_lock_held", False):
            fcntl.flock(info["writers_lock"], fcntl.LOCK_UN)

    def give_up_on_reset(dbapi_connection, record, *args):
        if record.info.pop("writers_lock_held", False):
            fcntl.flock(record.info["writers_lock"], fcntl.LOCK_UN)

    # On the Engine class, first: the app's own class-level "begin" listener emits BEGIN
    # IMMEDIATE, and the file lock must come before it (listeners of an engine run after the
    # class's).
    event.listen(Engine, "begin", take, insert=True)
    event.listen(engine, "commit", give_up)
    event.listen(engine, "rollback", give_up)
    event.listen(engine, "reset", give_up_on_reset)


if os.environ.get("BENCH_SQLITE_WRITER_LOCK"):
    with app.app_context():
        from pointsmart.extensions import db

        queue_sqlite_writers(db.engine)


if os.environ.get("BENCH_CHAIN_HOLD_LOG"):
    log_chain_holds(os.environ["BENCH_CHAIN_HOLD_LOG"])
