"""Database plumbing shared by every domain package.

* A metadata naming convention, so constraint and index names are identical on SQLite and
  PostgreSQL and migrations can refer to them.
* ``UTCDateTime``: every timestamp is stored as naive UTC and read back as aware UTC, which
  behaves the same on both databases.
* SQLite connection settings (WAL, foreign keys, busy timeout, ``synchronous=FULL``) and
  transaction control.
* ``RoutingSession``: with a PostgreSQL hot standby configured (``DATABASE_REPLICA_URL``), the
  reads of a view marked read-only go to the standby (``pointsmart.replica`` decides when);
  on PostgreSQL the reads of a request that cannot write run without a transaction
  (:func:`autocommit_reads`).

Write transactions and SQLite: SQLite has a single writer. A transaction that starts as a
reader and later wants to write can fail at once with SQLITE_BUSY when another writer
committed in between, so the ledger needs ``BEGIN IMMEDIATE``. Transactions therefore begin
IMMEDIATE by default; a request whose method cannot write (GET, HEAD, OPTIONS) marks itself
read-only with :func:`mark_read_only`, so readers never queue behind writers. A writer that
finds another one at work waits in SQLite's own busy handler (``busy_timeout``). On
PostgreSQL the flag is irrelevant: the ledger locks rows with ``SELECT ... FOR UPDATE``.

Every statement goes through SQLAlchemy (``db.session.execute``); nothing here bypasses it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import time
from collections.abc import Iterator
from contextvars import ContextVar

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause

from .clock import utcnow  # noqa: F401 - the app's clock; every package imports it from here

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000

_writes_allowed: ContextVar[bool] = ContextVar("pointsmart_writes_allowed", default=True)
# The standby engine this request's reads go to, or None for the primary (the default).
_replica: ContextVar[Engine | None] = ContextVar("pointsmart_replica", default=None)


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


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint: ``column`` holds one of ``values``."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


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


def writes_in_this_request() -> None:
    """A request that cannot write by its method but does (printing the 公示 sheet records
    it): its transaction begins as a writer, on SQLite too, and its reads run inside it on
    the primary. Call before its first statement."""
    _writes_allowed.set(True)
    _replica.set(None)


def is_sqlite(bind) -> bool:
    return bind.dialect.name == "sqlite"


# --- SQLite transaction control ----------------------------------------------------------------
# SQLAlchemy's documented recipe for pysqlite (docs: "Serializable isolation / Savepoints /
# Transactional DDL"): the driver's own transaction handling is switched off and SQLAlchemy's
# ``begin`` event emits BEGIN itself, so a write transaction can begin IMMEDIATE.


def register_sqlite_transaction_control() -> None:
    """Install the SQLite listeners on every engine (idempotent; called by ``create_app``)."""
    if not event.contains(Engine, "connect", _configure_sqlite_connection):
        event.listen(Engine, "connect", _configure_sqlite_connection)
        event.listen(Engine, "begin", _begin_sqlite_transaction)


def _configure_sqlite_connection(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below emit BEGIN itself (the driver would otherwise begin
    # lazily, and only before DML, which defeats BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A writer that finds the database locked waits in SQLite's busy handler, up to this long.
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # FULL: with WAL, NORMAL may lose the last commits on a power cut; a ledger may not.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _begin_sqlite_transaction(connection: sa.Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _writes_allowed.get() else "BEGIN")


# --- connections cut while idle ----------------------------------------------------------------
# A pooled connection to a server may have died while it sat in the pool (the server
# restarted, a firewall forgot it). SQLAlchemy's ``pool_pre_ping`` tests every connection at
# every checkout: one more round trip on every request, a third of a balance read's. The
# pool's ``checkout`` event may do the same test only when it can matter, and raising
# ``DisconnectionError`` there is SQLAlchemy's documented way to have the pool replace the
# connection and try again (docs: "Pool Events", "Disconnect Handling - Pessimistic").


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled connection of ``engine`` before use only when it has sat idle for
    ``idle_seconds`` or more; a dead one is replaced before the request sees it.

    A server restart leaves every pooled connection idle for as long as the restart takes, so
    each is tested first; a quiet village's requests, minutes apart, are each tested, as under
    ``pool_pre_ping``. A busy server's connections go back to work within milliseconds and are
    not: a connection cut within its idle allowance fails the one request that uses it, and
    SQLAlchemy then renews the pool (it does so on any disconnect error). Nothing for a SQLite
    file."""
    if is_sqlite(engine):
        return

    def checked_in(dbapi_connection, connection_record) -> None:
        connection_record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection, connection_record, connection_proxy) -> None:
        idle_since = connection_record.info.get("idle_since")  # none yet: a new connection
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DisconnectionError(f"the idle connection is gone: {error}") from error

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)


# --- reads from a hot standby ------------------------------------------------------------------
# SQLAlchemy's documented way to send reads and writes to different engines is a Session whose
# ``get_bind`` chooses (docs: "Partitioning Strategies", the RoutingSession example);
# Flask-SQLAlchemy takes such a class in ``session_options``. The choice itself is made once
# per request by ``pointsmart.replica`` and held in a context variable, so every statement of
# a request reads the same database.


def autocommit_reads(engine: Engine) -> Engine | None:
    """On PostgreSQL, the primary as a request that cannot write reads it: the same engine and
    pool, each statement in a transaction of its own (``AUTOCOMMIT``), so a read costs no
    ``BEGIN`` and ``COMMIT`` round trips. Under READ COMMITTED every statement takes its own
    snapshot anyway, so the reads see what they saw inside one transaction; whatever such a
    request does write goes through ``RoutingSession`` to the primary's own transaction, as
    every statement after it does. SQLite keeps its ``BEGIN``: there it gives a page's
    statements one snapshot. None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def read_from(engine: Engine | None) -> None:
    """Send this context's plain reads to ``engine`` (a standby), or back to the primary."""
    _replica.set(engine)


def reading_from() -> Engine | None:
    """The standby this context reads from, or None when it reads the primary."""
    return _replica.get()


def _writes(clause) -> bool:
    """A statement the primary must run: DML, SELECT ... FOR UPDATE, or textual SQL (which may
    say anything)."""
    return (
        isinstance(clause, UpdateBase | TextClause)
        or getattr(clause, "_for_update_arg", None) is not None
    )


def _streams(clause) -> bool:
    """A statement read in batches (``yield_per``): on PostgreSQL a server-side cursor, which
    lives only inside a transaction."""
    options = clause.get_execution_options() if hasattr(clause, "get_execution_options") else {}
    return "yield_per" in options or bool(options.get("stream_results"))


def _autocommits(engine: Engine) -> bool:
    return engine.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


class RoutingSession(FlaskSession):
    """Flask-SQLAlchemy's session, sending a request's reads to the standby or, on PostgreSQL,
    a request that cannot write to the primary in AUTOCOMMIT (:func:`autocommit_reads`).

    A flush, a DML statement, a locking SELECT or textual SQL always goes to the primary, and
    from then on so does every later statement of the request: whatever happens inside a
    write's transaction reads what that transaction sees. A statement that names neither a
    mapper nor a clause (``session.connection()``) gets the primary too, and so does a
    statement read in batches when the reads are in AUTOCOMMIT (its cursor needs a
    transaction). A request that reads in AUTOCOMMIT and then writes holds two of the pool's
    connections until it ends: the 公示 sheet's GET, the one that writes, says so first
    (:func:`writes_in_this_request`) and holds one.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        replica = _replica.get()
        if replica is not None and bind is None and (mapper is not None or clause is not None):
            if not (self._flushing or _writes(clause)):
                if not (_streams(clause) and _autocommits(replica)):
                    return replica
            else:
                _replica.set(None)  # a write: the rest of the request stays on the primary
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
