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

import collections
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
from sqlalchemy import event, orm
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import visitors

from .clock import utcnow  # noqa: F401 - the app's clock; every package imports it from here

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


_SESSION_CONNECTION = "pointsmart.connection"


def session_connection(session) -> sa.Connection:
    """``session.connection()``, remembered while the session's outermost transaction lasts.

    The hot paths ask for the connection in every step (a sale about ten times), and each ask
    goes through the session's transaction bookkeeping; the answer only changes when a
    transaction begins or ends. Inside a SAVEPOINT (``begin_nested``, the tests' way) nothing
    is remembered: the session emits the SAVEPOINT when its connection is first asked for.
    """
    connection = session.info.get(_SESSION_CONNECTION)
    return connection if connection is not None else session.connection()


@event.listens_for(orm.Session, "after_begin")
def _remember_the_connection(session, transaction, connection) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info[_SESSION_CONNECTION] = connection


@event.listens_for(orm.Session, "after_transaction_create")
@event.listens_for(orm.Session, "after_transaction_end")
def _forget_the_connection(session, transaction) -> None:
    # A flush's inner transaction runs on the same connection in the same database
    # transaction; a SAVEPOINT or a new outermost transaction need the session's own answer.
    if transaction.nested or transaction.parent is None:
        session.info.pop(_SESSION_CONNECTION, None)


class DriverStatement:
    """A prebuilt Core statement run on the driver's own cursor: the hot paths' statements.

    SQLAlchemy's execution layer costs tens of µs a statement on our machines against the
    driver's few (``bench/statement_overhead.py``), and a sale runs 17 of them inside
    SQLite's single write lock. The SQL is still SQLAlchemy's: the statement is compiled once
    per dialect (and, for an INSERT, per set of columns given) into the driver's SQL text with
    its parameter order, and each bind and result column keeps its type's processing (the
    UTC timestamps, booleans on SQLite, decimals). Nothing else of the execution layer runs:

    * a driver error is raised as SQLAlchemy's exception for it (``IntegrityError``,
      ``OperationalError`` ...), so the app's handlers see what they always saw;
    * ``before_cursor_execute`` and ``after_cursor_execute`` listeners of the connection or its
      engine still hear every statement (the tests and benchmarks count them);
    * it runs on the connection's current transaction: the caller begins, commits or rolls
      back through SQLAlchemy as before.

    An expanding parameter (``IN`` a list) compiles once per length of the list given.
    """

    __slots__ = ("_expanding", "_plans", "_row", "statement")

    def __init__(self, statement) -> None:
        self.statement = statement
        self._plans: dict[tuple, _DriverPlan] = {}
        self._expanding = sorted(
            {
                element.key
                for element in visitors.iterate(statement)
                if isinstance(element, sa.BindParameter) and element.expanding
            }
        )
        columns = _result_columns(statement)
        self._row = (
            None
            if columns is None
            else collections.namedtuple("Row", list(columns.keys()), rename=True)
        )

    def rows(self, connection: sa.Connection, params: dict) -> list:
        """Every row the statement returns, as named tuples."""
        plan = self._plan(connection.dialect, params)
        rows, description = plan.run(connection, params, fetch=True)
        if plan.result_processors is _UNKNOWN:
            plan.learn_result_types(self.statement, description)
        if plan.result_processors is None:
            return [self._row._make(row) for row in rows]
        return [self._row._make(plan.process_row(row)) for row in rows]

    def one_or_none(self, connection: sa.Connection, params: dict):
        rows = self.rows(connection, params)
        if len(rows) > 1:
            raise sa.exc.MultipleResultsFound("more than one row where one or none was expected")
        return rows[0] if rows else None

    def scalar(self, connection: sa.Connection, params: dict):
        """The first column of the first row, or None when there is no row."""
        rows = self.rows(connection, params)
        return rows[0][0] if rows else None

    def execute(self, connection: sa.Connection, params: dict) -> None:
        """Run a statement that returns nothing (an UPDATE, an INSERT without RETURNING)."""
        self._plan(connection.dialect, params).run(connection, params, fetch=False)

    def execute_many(self, connection: sa.Connection, rows: list[dict]) -> None:
        """Run a statement that returns nothing once per parameter set, in one driver call."""
        if rows:
            self._plan(connection.dialect, rows[0]).run_many(connection, rows)

    def _plan(self, dialect, params: dict) -> _DriverPlan:
        # An INSERT compiles to the columns it is given; other statements ignore the keys.
        key = (dialect.name, dialect.driver)
        if self.statement.is_dml:
            key += tuple(params)
        if self._expanding:
            key += tuple(len(params[name]) for name in self._expanding)
        plan = self._plans.get(key)
        if plan is None:
            lengths = {name: len(params[name]) for name in self._expanding}
            plan = _DriverPlan(self.statement, dialect, list(params), lengths)
            self._plans[key] = plan
        return plan


_UNKNOWN = object()


def _result_columns(statement):
    """The columns a statement returns: a SELECT's, or an INSERT's or UPDATE's RETURNING."""
    if statement.is_select:
        return statement.selected_columns
    returning = getattr(statement, "exported_columns", ())  # none for text
    return returning if len(returning) else None


class _DriverPlan:
    """One dialect's compiled form of a :class:`DriverStatement`."""

    __slots__ = ("binds", "dbapi_error", "dialect", "named", "result_processors", "sql")

    def __init__(self, statement, dialect, column_keys: list[str], lengths: dict[str, int]) -> None:
        if lengths:  # each expanding parameter rendered as that many placeholders
            statement = statement.params({name: [None] * n for name, n in lengths.items()})
        compiled = statement.compile(
            dialect=dialect, column_keys=column_keys, compile_kwargs={"render_postcompile": True}
        )
        if compiled.insert_prefetch or compiled.update_prefetch:
            # SQLAlchemy's execution layer would compute these (``default=``, ``onupdate=``).
            missing = [c.key for c in [*compiled.insert_prefetch, *compiled.update_prefetch]]
            raise TypeError(f"give the columns with Python-side defaults too: {missing}")
        self.sql = compiled.string
        self.dialect = dialect
        self.dbapi_error = dialect.loaded_dbapi.Error
        # name in the SQL -> (bind, index in the caller's list, or None for a single value);
        # SQLAlchemy names an expanding parameter's placeholders name_1, name_2, ...
        by_name = {}
        for bind, name in compiled.bind_names.items():
            if bind.expanding:
                for index in range(lengths[bind.key]):
                    by_name[f"{name}_{index + 1}"] = (bind, index)
            else:
                by_name[name] = (bind, None)
        names = compiled.positiontup if dialect.positional else list(by_name)
        self.named = not dialect.positional
        # (name in the SQL, the caller's key or None for a value fixed in the statement, the
        # index in the caller's list or None, the fixed value, the type's bind processor)
        self.binds = []
        for name in names:
            bind, index = by_name[name]
            key = bind.key if bind.required or bind.expanding else None
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            self.binds.append((name, key, index, bind.value, processor))
        # A type's result processing may depend on the type the driver reports (PostgreSQL's
        # numerics), known from the first answer's cursor description.
        self.result_processors = _UNKNOWN

    def learn_result_types(self, statement, description) -> None:
        columns = _result_columns(statement)
        processors = [
            column.type.dialect_impl(self.dialect).result_processor(self.dialect, reported[1])
            for column, reported in zip(columns, description, strict=True)
        ]
        self.result_processors = processors if any(processors) else None

    def parameters(self, params: dict):
        values = []
        for _name, key, index, fixed, processor in self.binds:
            value = fixed if key is None else params[key] if index is None else params[key][index]
            values.append(value if processor is None or value is None else processor(value))
        if self.named:
            return {bind[0]: value for bind, value in zip(self.binds, values, strict=True)}
        return tuple(values)

    def process_row(self, row) -> tuple:
        return tuple(
            value if processor is None else processor(value)
            for processor, value in zip(self.result_processors, row, strict=True)
        )

    def run(self, connection: sa.Connection, params: dict, *, fetch: bool):
        """(rows, cursor description) when ``fetch``, else (None, None)."""
        parameters = self._processed(params)
        cursor = connection.connection.driver_connection.cursor()
        try:
            self._announce(connection, cursor, parameters, many=False)
            cursor.execute(self.sql, parameters)
            answer = (cursor.fetchall(), cursor.description) if fetch else (None, None)
        except self.dbapi_error as error:
            raise self._wrapped(connection, cursor, error, parameters) from error
        finally:
            with contextlib.suppress(self.dbapi_error):  # a lost connection's cursor
                cursor.close()
        self._report(connection, cursor, parameters, many=False)
        return answer

    def run_many(self, connection: sa.Connection, rows: list[dict]) -> None:
        parameters = [self._processed(params) for params in rows]
        cursor = connection.connection.driver_connection.cursor()
        try:
            self._announce(connection, cursor, parameters, many=True)
            cursor.executemany(self.sql, parameters)
        except self.dbapi_error as error:
            raise self._wrapped(connection, cursor, error, parameters) from error
        finally:
            with contextlib.suppress(self.dbapi_error):
                cursor.close()
        self._report(connection, None, parameters, many=True)

    def _processed(self, params: dict):
        try:
            return self.parameters(params)
        except (KeyError, TypeError, ValueError) as error:
            # A missing parameter, or a value its type refuses (a naive datetime), as
            # SQLAlchemy's execute would say it.
            raise sa.exc.StatementError(str(error), self.sql, params, error) from error

    def _announce(self, connection, cursor, parameters, *, many: bool) -> None:
        listeners = connection.dispatch.before_cursor_execute
        if listeners:
            for listener in listeners:
                listener(connection, cursor, self.sql, parameters, None, many)

    def _report(self, connection, cursor, parameters, *, many: bool) -> None:
        listeners = connection.dispatch.after_cursor_execute
        if listeners:
            for listener in listeners:
                listener(connection, cursor, self.sql, parameters, None, many)

    def _wrapped(self, connection, cursor, error: Exception, parameters) -> sa.exc.DBAPIError:
        """SQLAlchemy's exception for a driver error; a lost connection is invalidated, as
        SQLAlchemy's execute would, so that the rollback after it works and the pool drops
        it. (``handle_error`` listeners are not called: the app has none.)"""
        lost = self.dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
        if lost:
            connection.invalidate(error)
        return sa.exc.DBAPIError.instance(
            self.sql,
            parameters,
            error,
            self.dbapi_error,
            dialect=self.dialect,
            connection_invalidated=lost,
        )


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


# Every request begins one or two transactions: on the driver, like the hot statements.
_BEGIN = DriverStatement(sa.text("BEGIN"))
_BEGIN_IMMEDIATE = DriverStatement(sa.text("BEGIN IMMEDIATE"))


@event.listens_for(Engine, "begin")
def _begin_sqlite_transaction(conn):
    if conn.dialect.name != "sqlite":
        return
    if not _writes_allowed.get():
        _BEGIN.execute(conn, {})
        return
    dbapi_connection = conn.connection.dbapi_connection
    if not isinstance(dbapi_connection, QueuedWriterConnection):
        _BEGIN_IMMEDIATE.execute(conn, {})
        return
    waited_out = not dbapi_connection.enter_writer_queue()
    if waited_out:  # the busy timeout is spent already: SQLite answers "locked" at once
        dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        _BEGIN_IMMEDIATE.execute(conn, {})
    except BaseException:
        dbapi_connection.leave_writer_queue()
        raise
    finally:
        if waited_out:
            dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
