"""SQLite writers queue on a file lock beside the database instead of sleeping in SQLite's
busy handler; the queue is left when a transaction ends, however it ends."""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from pointsmart.config import engine_options
from pointsmart.database import QueuedWriterConnection


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "queue.db"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, writer TEXT)")
    setup.commit()
    setup.close()
    return path


def queue_is_free(database: Path) -> bool:
    """Whether another open file (as another process would hold) can take the queue now."""
    fd = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def connect(database: Path) -> QueuedWriterConnection:
    connection = sqlite3.connect(
        database, factory=QueuedWriterConnection, isolation_level=None, check_same_thread=False
    )
    connection.execute("PRAGMA busy_timeout=10000")
    return connection


def begin_write(connection: QueuedWriterConnection) -> None:
    connection.enter_writer_queue()
    connection.execute("BEGIN IMMEDIATE")


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_writer_holds_the_queue_until_its_transaction_ends(database, end):
    writer = connect(database)
    begin_write(writer)
    writer.execute("INSERT INTO entries (writer) VALUES ('first')")

    assert not queue_is_free(database)

    getattr(writer, end)()

    assert queue_is_free(database)
    if end != "close":
        writer.close()


def test_a_second_writer_starts_when_the_first_commits(database):
    first, second = connect(database), connect(database)
    begin_write(first)
    first.execute("INSERT INTO entries (writer) VALUES ('first')")
    order: list[str] = []
    waiting = threading.Event()

    def write_second():
        waiting.set()
        begin_write(second)
        order.append("second began")
        second.execute("INSERT INTO entries (writer) VALUES ('second')")
        second.commit()

    thread = threading.Thread(target=write_second)
    thread.start()
    waiting.wait()
    thread.join(timeout=0.2)
    assert thread.is_alive(), "the second writer must wait for the first"
    order.append("first committed")
    first.commit()
    thread.join(timeout=10)

    assert not thread.is_alive()
    assert order == ["first committed", "second began"]
    rows = first.execute("SELECT writer FROM entries ORDER BY id").fetchall()
    assert rows == [("first",), ("second",)]
    first.close()
    second.close()


def test_a_thread_that_holds_the_queue_does_not_wait_for_itself(database):
    held, other = connect(database), connect(database)
    begin_write(held)
    other.execute("PRAGMA busy_timeout=50")

    # Without the queue's check this would wait forever on our own lock; SQLite answers instead.
    other.enter_writer_queue()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")

    held.rollback()
    begin_write(other)
    other.rollback()
    held.close()
    other.close()


def test_the_queue_of_a_killed_process_is_free_again(database):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "from pointsmart.database import QueuedWriterConnection\n"
            f"c = sqlite3.connect({str(database)!r}, factory=QueuedWriterConnection,"
            " isolation_level=None)\n"
            "c.enter_writer_queue()\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "print('holding', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert not queue_is_free(database)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        holder.stdout.close()

    assert queue_is_free(database)
    writer = connect(database)
    begin_write(writer)  # and SQLite's own lock was dropped with the process too
    writer.execute("INSERT INTO entries (writer) VALUES ('after the crash')")
    writer.commit()
    writer.close()


def test_an_in_memory_database_has_no_queue():
    connection = sqlite3.connect(":memory:", factory=QueuedWriterConnection, isolation_level=None)
    begin_write(connection)
    connection.rollback()
    connection.close()


def test_sqlite_engines_queue_their_writers_and_servers_are_pinged(database):
    engine = sa.create_engine(f"sqlite:///{database}", **engine_options(f"sqlite:///{database}"))
    with engine.connect() as connection:
        assert isinstance(connection.connection.dbapi_connection, QueuedWriterConnection)
    engine.dispose()

    assert engine_options("postgresql+psycopg://postgres@127.0.0.1/test") == {"pool_pre_ping": True}


def test_the_app_queues_writes_through_its_engine(fresh_app):
    from pointsmart.database import is_sqlite, mark_read_only
    from pointsmart.extensions import db

    mark_read_only(False)  # as a POST request does
    with fresh_app.app_context():
        if not is_sqlite(db.engine):
            pytest.skip("the writer queue is SQLite's")
        path = Path(db.engine.url.database)

        db.session.execute(sa.text("SELECT 1"))  # a write transaction begins (IMMEDIATE)
        assert not queue_is_free(path)
        db.session.commit()
        assert queue_is_free(path)

        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
        assert queue_is_free(path)


def test_an_api_write_finds_its_caller_before_it_takes_the_write_lock(fresh_app):
    from pointsmart.database import is_sqlite
    from pointsmart.extensions import db
    from tests.factories import Factories

    with fresh_app.app_context():
        if not is_sqlite(db.engine):
            pytest.skip("the write lock is SQLite's")
        make = Factories()
        village = make.village()
        household = make.household(village)
        leader = make.staff("leader", village)
        db.session.commit()
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split())[:40])

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = fresh_app.test_client().post(
            "/api/v1/transfers",
            json={
                "household_id": household.id,
                "kind": "award",
                "points": 5,
                "category": "volunteer",
            },
            headers={**leader.auth, "Idempotency-Key": "queue-1"},
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)

    assert response.status_code == 201, response.get_json()
    # The caller is read in a plain (deferred) transaction; the write lock comes after it.
    assert statements[0] == "BEGIN"
    assert statements[1].startswith("SELECT api_tokens.user_id")
    assert statements[2] == "BEGIN IMMEDIATE"
