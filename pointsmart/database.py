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
import logging
import os
import sqlite3
import threading
import time
import weakref
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
        self._holders: dict[str, tuple[int, int]] = {}  # path -> (thread, queue fd)

    def may_enter(self, path: str) -> bool:
        with self._guard:
            holder = self._holders.get(path)
            return holder is None or holder[0] != threading.get_ident()

    def entered(self, path: str, fd: int) -> None:
        with self._guard:
            self._holders[path] = (threading.get_ident(), fd)

    def left(self, path: str, fd: int) -> None:
        with self._guard:
            if self._holders.get(path, (None, None))[1] == fd:
                del self._holders[path]

    def forget_all(self) -> None:
        """In a forked child: the parent's holders are not this process's."""
        self._guard = threading.Lock()
        self._holders = {}


_writer_queue = _WriterQueue()
os.register_at_fork(after_in_child=_writer_queue.forget_all)
_log = logging.getLogger(__name__)


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions queue on a file lock (see the module)."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._queue_path = _writer_queue_path(database, kwargs.get("uri", False))
        self._queue_fd: int | None = None
        self._queue_pid = 0
        self._in_queue = False
        self._close_queue_fd = None

    def enter_writer_queue(self) -> bool:
        """Wait, at most the busy timeout, until no other writer holds the database.

        False when the wait ran out: the caller's ``BEGIN IMMEDIATE`` should not wait again.
        Without a queue (an in-memory database, a lock file we may not open, a thread that
        holds the queue already) there is nothing to wait for: True.
        """
        if self._queue_pid not in (0, os.getpid()):
            self._forget_the_parents_queue()
        if self._queue_path is None or self._in_queue:
            return True
        if not _writer_queue.may_enter(self._queue_path):
            return True
        fd = self._open_queue()
        if fd is None:
            return True
        waited = 0.0
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                # Look often at first (a sale holds the lock about a millisecond), then less.
                pause = WRITER_QUEUE_POLL_SECONDS if waited < 0.005 else 0.001
                time.sleep(pause)
                waited += pause
        self._in_queue = True
        _writer_queue.entered(self._queue_path, fd)
        return True

    def leave_writer_queue(self) -> None:
        if not self._in_queue:
            return
        self._in_queue = False
        _writer_queue.left(self._queue_path, self._queue_fd)
        fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def _forget_the_parents_queue(self) -> None:
        """In a child of a fork: an flock belongs to the open file, which the parent shares;
        the child's place in the queue is its own, on a descriptor of its own."""
        self._in_queue = False
        if self._close_queue_fd is not None:
            self._close_queue_fd()  # the child's copy; the parent's lock stays
        self._queue_fd, self._queue_pid = None, 0

    def _open_queue(self) -> int | None:
        if self._queue_fd is not None:
            return self._queue_fd
        try:
            fd = os.open(self._queue_path, os.O_RDONLY | os.O_CREAT, 0o644)
        except OSError as error:
            # A lock file another user made and we may not read: writers fall back to
            # SQLite's own waiting rather than fail.
            _log.warning("no writers' queue for %s: %s", self._queue_path, error)
            self._queue_path = None
            return None
        _give_to_the_database_owner(fd, self._queue_path)
        self._queue_fd, self._queue_pid = fd, os.getpid()
        # Closed with the connection, or when it is collected without being closed.
        self._close_queue_fd = weakref.finalize(self, _abandon_queue, self._queue_path, fd)
        return fd

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
            super().close()  # rolls back an open transaction first, then the queue is free
        finally:
            self.leave_writer_queue()
            if self._close_queue_fd is not None:
                self._close_queue_fd()
                self._queue_fd = None


def _abandon_queue(path: str, fd: int) -> None:
    _writer_queue.left(path, fd)
    os.close(fd)  # closing the only descriptor of the open file drops its flock


def _give_to_the_database_owner(fd: int, queue_path: str) -> None:
    """Run as root (say a migration by an operator), the lock file still belongs to whoever
    owns the database, as SQLite's own -wal and -shm files do."""
    if os.geteuid() != 0:
        return
    with contextlib.suppress(OSError):
        owner = os.stat(queue_path.removesuffix("-writers"))
        os.fchown(fd, owner.st_uid, owner.st_gid)


def _writer_queue_path(database, uri: bool) -> str | None:
    """``<database file>-writers``, or None for an in-memory or URI-named database."""
    name = os.fspath(database) if not isinstance(database, bytes) else database.decode()
    if uri or name in ("", ":memory:") or name.startswith("file:"):
        return None
    return os.path.realpath(name) + "-writers"


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
    if not isinstance(dbapi_connection, QueuedWriterConnection):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    waited_out = not dbapi_connection.enter_writer_queue()
    if waited_out:  # the busy timeout is spent already: SQLite answers "locked" at once
        dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        dbapi_connection.leave_writer_queue()
        raise
    finally:
        if waited_out:
            dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
