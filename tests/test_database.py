"""SQLite writers queue on a file lock beside the database instead of sleeping in SQLite's
busy handler; the queue is left when a transaction ends, however it ends."""

from __future__ import annotations

import fcntl
import gc
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from pointsmart import database as database_module
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
    second.execute("PRAGMA busy_timeout=0")  # only the queue can make it wait
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


def test_a_thread_that_holds_the_queue_does_not_wait_for_itself(database, monkeypatch):
    monkeypatch.setattr(database_module, "SQLITE_BUSY_TIMEOUT_MS", 1_000)
    held, other = connect(database), connect(database)
    begin_write(held)
    other.execute("PRAGMA busy_timeout=50")

    # Waiting on our own lock would run out (False); the queue is skipped instead, and
    # SQLite answers.
    assert other.enter_writer_queue() is True
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")

    held.rollback()
    begin_write(other)
    other.rollback()
    held.close()
    other.close()


def test_a_writer_that_waited_out_the_busy_timeout_is_told_the_database_is_locked(
    database, monkeypatch
):
    from pointsmart.database import SQLITE_CONNECT_ARGS

    monkeypatch.setattr(database_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    engine = sa.create_engine(f"sqlite:///{database}", connect_args=SQLITE_CONNECT_ARGS)
    holder = connect(database)
    begin_write(holder)
    try:
        with pytest.raises(sa.exc.OperationalError, match="locked"), engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO entries (writer) VALUES ('late')")
    finally:
        holder.rollback()
        holder.close()
    # and the connection's own busy timeout is back for its next transaction
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw.execute("PRAGMA busy_timeout").fetchone() == (200,)
    engine.dispose()


def test_a_lock_file_we_may_not_open_leaves_writers_to_sqlite(database, caplog):
    # Something in the lock file's place that cannot be opened as one (as a file another
    # user made with mode 600 could not, for a user who is not root).
    Path(f"{database}-writers").mkdir()
    writer = connect(database)

    assert writer.enter_writer_queue() is True
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO entries (writer) VALUES ('without a queue')")
    writer.commit()
    writer.close()
    assert "no writers' queue" in caplog.text


def test_a_connection_collected_without_being_closed_frees_the_queue(database):
    writer = connect(database)
    begin_write(writer)
    assert not queue_is_free(database)

    del writer
    gc.collect()

    assert queue_is_free(database)


def test_a_forked_child_does_not_share_its_parents_place_in_the_queue(database, monkeypatch):
    monkeypatch.setattr(database_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    parent = connect(database)
    begin_write(parent)  # the parent holds the queue; a child inherits the descriptor
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports by its exit status only
        try:
            # The inherited connection must queue behind the parent, not share its lock.
            os._exit(0 if parent.enter_writer_queue() is False else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    parent.rollback()
    parent.close()

    assert os.waitstatus_to_exitcode(status) == 0


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


@pytest.fixture
def api_award(fresh_app):
    """An award through the API on a SQLite app of its own (a village, a household and a
    leader committed first): where the caller of a write is read apart from the write."""
    from pointsmart.database import is_sqlite
    from pointsmart.extensions import db
    from tests.factories import Factories

    with fresh_app.app_context():
        if not is_sqlite(db.engine):
            pytest.skip("only SQLite looks the caller up before the write transaction")
        make = Factories()
        village = make.village()
        household = make.household(village)
        leader = make.staff("leader", village)
        db.session.commit()

    def post(key: str):
        return fresh_app.test_client().post(
            "/api/v1/transfers",
            json={
                "household_id": household.id,
                "kind": "award",
                "points": 5,
                "category": "volunteer",
            },
            headers={**leader.auth, "Idempotency-Key": key},
        )

    return post


def test_an_api_write_finds_its_caller_before_it_takes_the_write_lock(fresh_app, api_award):
    from pointsmart.extensions import db

    with fresh_app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split())[:40])

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = api_award("queue-1")
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)

    assert response.status_code == 201, response.get_json()
    # The caller is read in a plain (deferred) transaction; the write lock comes after it.
    assert statements[0] == "BEGIN"
    assert statements[1].startswith("SELECT api_tokens.user_id")
    assert statements[2] == "BEGIN IMMEDIATE"


def test_a_token_revoked_between_finding_the_caller_and_writing_writes_nothing(
    fresh_app, api_award
):
    from pointsmart.accounts.models import ApiToken
    from pointsmart.database import utcnow
    from pointsmart.extensions import db
    from pointsmart.ledger.models import Transfer

    with fresh_app.app_context():
        engine = db.engine
    revoked = []

    def revoke_the_token(session):
        # Right after the caller was found and its read committed, as a sign-out elsewhere.
        if not revoked:
            revoked.append(True)
            with engine.begin() as connection:
                connection.execute(sa.update(ApiToken).values(revoked_at=utcnow()))

    sa.event.listen(orm.Session, "after_commit", revoke_the_token)
    try:
        response = api_award("revoked-1")
    finally:
        sa.event.remove(orm.Session, "after_commit", revoke_the_token)

    assert revoked
    assert response.status_code == 401, response.get_json()
    with fresh_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 0


def test_a_requests_transaction_ends_before_the_other_after_request_hooks(app):
    """Flask runs after-request hooks last registered first: the commit is registered last, so
    a sale's write lock is not held while headers are set."""
    names = [getattr(hook, "__name__", repr(hook)) for hook in app.after_request_funcs[None]]

    assert names[-1] == "commit_or_roll_back"
    assert names.count("commit_or_roll_back") == 1
