"""Database plumbing shared by every domain package.

* A metadata naming convention, so constraint and index names are identical on SQLite and
  PostgreSQL and migrations can refer to them.
* ``UTCDateTime``: every timestamp is stored as naive UTC and read back as aware UTC, which
  behaves the same on both databases.
* SQLite connection settings (WAL, foreign keys, busy timeout) and transaction control.

Write transactions and SQLite: SQLite has a single writer. A transaction that starts as a
reader and later wants to write can fail at once with SQLITE_BUSY when another writer
committed in between, so the ledger needs ``BEGIN IMMEDIATE``. Transactions therefore begin
IMMEDIATE by default; a request whose method cannot write (GET, HEAD, OPTIONS) marks itself
read-only with :func:`read_only_transactions`, so readers never queue behind writers. On
PostgreSQL the flag is irrelevant: the ledger locks rows with ``SELECT ... FOR UPDATE``.

Waiting for the write lock: SQLite's busy handler waits for a writer by sleeping 1, 2, 5, 10,
15 ms and so on before it tries again, so two workers writing at once lose several
milliseconds on every collision, far longer than a sale holds the lock. Connections made
through :data:`SQLITE_CONNECT_ARGS` therefore queue their writers on an ``flock`` of a file
beside the database (``<database>-writers``) before ``BEGIN IMMEDIATE``, and leave the queue
when the transaction ends: the next writer starts the moment the lock is free. The kernel
drops the lock of a process that dies, so a killed worker never blocks the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000
# How often a queued writer looks whether the lock is free: short, since a sale holds the
# lock for about a millisecond; each look is one system call.
WRITER_QUEUE_POLL_SECONDS = 0.0001

_writes_allowed: ContextVar[bool] = ContextVar("pointsmart_writes_allowed", default=True)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as naive UTC and returned as an aware UTC datetime."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC, to the microsecond."""
    return dt.datetime.now(dt.UTC)


@contextlib.contextmanager
def read_only_transactions() -> Iterator[None]:
    """Within this block, SQLite transactions begin DEFERRED instead of IMMEDIATE."""
    token = _writes_allowed.set(False)
    try:
        yield
    finally:
        _writes_allowed.reset(token)


def mark_read_only(read_only: bool) -> None:
    """Set the transaction mode for the current context (used per request)."""
    _writes_allowed.set(not read_only)


def is_sqlite(bind) -> bool:
    return bind.dialect.name == "sqlite"


class _WriterQueue:
    """The process's view of each database's writer queue: which thread is in it.

    A thread that already holds a database's queue through one connection and begins a
    write on another would wait for itself; it skips the queue instead, and SQLite's own
    busy timeout decides, as it would without the queue.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._holders: dict[str, int] = {}

    def may_enter(self, path: str) -> bool:
        with self._guard:
            return self._holders.get(path) != threading.get_ident()

    def entered(self, path: str) -> None:
        with self._guard:
            self._holders[path] = threading.get_ident()

    def left(self, path: str) -> None:
        with self._guard:
            self._holders.pop(path, None)


_writer_queue = _WriterQueue()


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions queue on a file lock (see the module)."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._queue_path = _writer_queue_path(database, kwargs.get("uri", False))
        self._queue_fd: int | None = None
        self._in_queue = False

    def enter_writer_queue(self) -> None:
        """Wait (at most the busy timeout) until no other writer holds the database."""
        if self._queue_path is None or self._in_queue:
            return
        if not _writer_queue.may_enter(self._queue_path):
            return
        if self._queue_fd is None:
            self._queue_fd = os.open(self._queue_path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                fcntl.flock(self._queue_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return  # let SQLite's busy timeout answer, as without the queue
                time.sleep(WRITER_QUEUE_POLL_SECONDS)
        self._in_queue = True
        _writer_queue.entered(self._queue_path)

    def leave_writer_queue(self) -> None:
        if not self._in_queue:
            return
        self._in_queue = False
        _writer_queue.left(self._queue_path)
        fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_writer_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_writer_queue()

    def close(self) -> None:
        try:
            self.leave_writer_queue()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None
        finally:
            super().close()


def _writer_queue_path(database, uri: bool) -> str | None:
    """``<database file>-writers``, or None for an in-memory or URI-named database."""
    name = os.fspath(database) if not isinstance(database, bytes) else database.decode()
    if uri or name in ("", ":memory:") or name.startswith("file:"):
        return None
    return os.path.abspath(name) + "-writers"


# Engine options for SQLite (see the module docstring); PostgreSQL needs none of this.
SQLITE_CONNECT_ARGS = {"factory": QueuedWriterConnection}


@event.listens_for(Engine, "connect")
def _configure_sqlite_connection(dbapi_connection, connection_record):
    module = type(dbapi_connection).__module__
    if not (isinstance(dbapi_connection, sqlite3.Connection) or module.startswith("pysqlite")):
        return
    # Let SQLAlchemy's "begin" event below emit BEGIN itself (the pysqlite driver would
    # otherwise begin lazily and only before DML, which defeats BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # FULL: with WAL, NORMAL may lose the last commits on a power cut; a ledger may not.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite_transaction(conn):
    if conn.dialect.name != "sqlite":
        return
    if not _writes_allowed.get():
        conn.exec_driver_sql("BEGIN")
        return
    dbapi_connection = conn.connection.dbapi_connection
    queued = isinstance(dbapi_connection, QueuedWriterConnection)
    if queued:
        dbapi_connection.enter_writer_queue()
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if queued:
            dbapi_connection.leave_writer_queue()
        raise
