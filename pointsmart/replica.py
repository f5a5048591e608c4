"""Reads from a PostgreSQL hot standby (``DATABASE_REPLICA_URL``).

PostgreSQL's streaming replication keeps the standby a copy of the primary; pointsmart writes
no replication of its own. It only chooses, per request, where the reads go:

* **Marked views only.** A view marked with :func:`reads_from_replica` (or every view of a
  blueprint marked with :func:`replica_blueprint`) reads from the standby when asked with
  GET or HEAD: the public boards, leaderboards and TV, card pages, the villager's own page,
  history and campaigns, reports, statement slips and exports. Everything else uses the
  primary: every write, the counter (its balances decide sales), sign-in, the admin's pages.
* **Writes stay on the primary.** Within a marked view, a flush, a DML statement or a locking
  SELECT goes to the primary, and so does every statement after it (``RoutingSession``).
* **Only a standby that is up and close behind.** Each process asks the standby how far it
  lags (``pg_last_xact_replay_timestamp()``; no lag when all it received is replayed and it
  is streaming) at most every ``REPLICA_CHECK_SECONDS``. A standby further behind than
  ``REPLICA_MAX_LAG_SECONDS``, or one that does not answer, is skipped; a down one is asked
  again after ``REPLICA_RETRY_SECONDS``.
* **It fails over within the request.** When the standby fails while a view reads from it
  (stopped, restarting, a query cancelled by recovery), the view runs again on the primary.
  A GET view has no effect to repeat.
* **Nobody sees the past.** After a request of a session wrote on the primary, or was served
  by it in place of the standby, the session cookie remembers the primary's WAL position
  (``pg_current_wal_lsn()``); the session's later reads go to the standby only once it has
  replayed that far (``pg_last_wal_replay_lsn()``). A household that was just served sees no
  older balance on its next page; a staff member who just signed in is signed in there too.

Without ``DATABASE_REPLICA_URL`` none of this is installed: no view is wrapped, no hook runs.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as WaitedTooLong
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, request, session
from sqlalchemy.engine import Engine

from .database import read_from, reading_from
from .extensions import db

log = logging.getLogger(__name__)

REPLICA_READS = "pointsmart_replica_reads"
SESSION_LSN_KEY = "primary_lsn"
SAFE_METHODS = frozenset({"GET", "HEAD"})

# How far behind the standby is, in one round trip. Nothing to replay while it streams: then
# it is as current as the primary, however long ago the last commit was.
STANDBY_STATE = sa.text(
    """
    SELECT pg_is_in_recovery() AS in_recovery,
           pg_last_wal_replay_lsn()::text AS replayed,
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                     AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
                THEN 0
                ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())
           END AS lag_seconds
    """
)


def reads_from_replica(view):
    """Mark a read-only view: with a standby configured, its GETs read from there."""
    setattr(view, REPLICA_READS, True)
    return view


def replica_blueprint(blueprint: Blueprint) -> Blueprint:
    """Mark every view of a blueprint as :func:`reads_from_replica` (its GETs)."""
    setattr(blueprint, REPLICA_READS, True)
    return blueprint


def lsn_number(text: str | None) -> int | None:
    """A WAL position (``16/B374D848``) as a number that orders as the WAL does."""
    if not text:
        return None
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass(frozen=True)
class StandbyState:
    usable: bool
    replayed: int | None = None
    lag_seconds: float | None = None
    checked_at: float = 0.0


class ReplicaMonitor:
    """What this process knows of the standby, refreshed at most every ``check_seconds``.

    A request that finds the knowledge stale asks the standby, and waits for the answer at
    most ``wait`` seconds (``REPLICA_CHECK_WAIT_SECONDS``, 2): behind PgBouncer a stopped
    standby is not refused at once, PgBouncer holds the query until it can log in again
    (``server_login_retry``). Past the wait the standby counts as down; the answer, when it
    comes, still updates what is known.
    """

    def __init__(
        self, engine: Engine, *, max_lag: float, check: float, retry: float, wait: float = 2.0
    ) -> None:
        self.engine = engine
        self.wait_seconds = wait
        self.max_lag = max_lag
        self.check_seconds = check
        self.retry_seconds = retry
        self._state = StandbyState(usable=False, checked_at=-float("inf"))
        self._lock = threading.Lock()
        self._asker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="standby-check")
        self._asking: Future | None = None
        self.endpoints: set[str] = set()  # the views that read here

    def state(self, *, fresh: bool = False) -> StandbyState:
        state = self._state
        age = time.monotonic() - state.checked_at
        wait = self.check_seconds if state.usable or state.replayed else self.retry_seconds
        # One thread asks; the others use what was known until it has the answer. While an
        # earlier question still waits for its answer, nobody asks again.
        if (fresh or age >= wait) and self._lock.acquire(blocking=fresh):
            try:
                if self._asking is not None and not self._asking.done():
                    return self._state
                self._asking = self._asker.submit(self._ask)
                try:
                    state = self._asking.result(timeout=self.wait_seconds)
                except WaitedTooLong:
                    log.warning("standby did not answer in time, reading from the primary")
                    self.mark_down()
                    state = self._state
            finally:
                self._lock.release()
        return state

    def mark_down(self) -> None:
        self._state = StandbyState(usable=False, checked_at=time.monotonic())

    def _ask(self) -> StandbyState:
        """Ask the standby; what it says becomes what this process knows."""
        state = self._state = self._answer()
        return state

    def _answer(self) -> StandbyState:
        now = time.monotonic()
        try:
            with self.engine.connect() as connection:
                row = connection.execute(STANDBY_STATE).one()
        except sa.exc.DBAPIError as error:
            log.warning("standby not answering, reading from the primary: %s", error.orig)
            return StandbyState(usable=False, checked_at=now)
        lag = None if row.lag_seconds is None else float(row.lag_seconds)
        usable = bool(row.in_recovery) and lag is not None and lag <= self.max_lag
        if not row.in_recovery:
            log.warning("DATABASE_REPLICA_URL names no standby: reading from the primary")
        elif not usable:
            log.warning("standby lags %s s, reading from the primary", lag)
        return StandbyState(usable, lsn_number(row.replayed), lag, now)


def monitor() -> ReplicaMonitor | None:
    return current_app.extensions.get("pointsmart_replica")


def standby_for_request(replica: ReplicaMonitor) -> Engine | None:
    """The standby when it may serve this request: up, close behind, and past every write
    this session has seen on the primary."""
    state = replica.state()
    if not state.usable:
        return None
    seen = session.get(SESSION_LSN_KEY)
    if seen is not None and (state.replayed or 0) < seen:
        state = replica.state(fresh=True)
        if not state.usable or (state.replayed or 0) < seen:
            return None
    return replica.engine


def primary_lsn() -> int:
    """The primary's WAL position now: every commit so far lies at or before it."""
    with db.engine.connect() as connection:
        return lsn_number(connection.execute(sa.text("SELECT pg_current_wal_lsn()::text")).scalar())


def _remember_primary() -> None:
    """This session was just served by the primary: its next reads must not go back in time.
    Only a session that already has a cookie gets it; the TV and the board stay cookie-free."""
    if session:
        session[SESSION_LSN_KEY] = primary_lsn()


def _served_by_primary(response):
    _remember_primary()
    return response


def _failed_standby(error: BaseException) -> bool:
    """An error a standby going away (or a query cancelled by its recovery) raises."""
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError) or bool(
        getattr(error, "connection_invalidated", False)
    )


def _read_from_replica(view, replica: ReplicaMonitor):
    @functools.wraps(view)
    def reading_from_replica(*args, **kwargs):
        if request.method not in SAFE_METHODS:
            return view(*args, **kwargs)
        engine = standby_for_request(replica)
        if engine is None:
            return _served_by_primary(view(*args, **kwargs))
        primary_reads = reading_from()  # the request's way of reading the primary
        read_from(engine)
        try:
            response = view(*args, **kwargs)
        except Exception as error:
            if not _failed_standby(error) or reading_from() is not engine:
                raise
            log.warning("standby failed during %s, reading from the primary", request.path)
            replica.mark_down()
            db.session.rollback()
            read_from(primary_reads)
            return _served_by_primary(view(*args, **kwargs))
        if reading_from() is engine:
            _end_standby_transaction(replica)
        return response

    return reading_from_replica


def _end_standby_transaction(replica: ReplicaMonitor) -> None:
    """End a view's read-only transaction as soon as the view has its answer.

    Nothing was written (a write would have moved the request to the primary), so ending it
    now loses nothing, and a standby that stops between the last read and the end of the
    request cannot turn an answer already made into an error. A streamed answer (a CSV
    export) reads on in a transaction of its own.
    """
    try:
        db.session.rollback()
    except sa.exc.DBAPIError as error:
        if not _failed_standby(error):
            raise
        # The session is closed all the same (SQLAlchemy closes it after a failed rollback).
        log.warning("standby went away after %s was read: %s", request.path, error.orig)
        replica.mark_down()


def init_replica(app: Flask) -> None:
    """With a standby configured: wrap the marked views and remember the primary's position
    after each write. Call after every blueprint is registered, before the hook that ends the
    request's transaction (so that this one runs after it)."""
    options = app.config.get("REPLICA_ENGINE_OPTIONS")
    if not options:
        return
    # An engine of its own rather than a Flask-SQLAlchemy bind: a bind key would give the
    # models a second metadata to create tables on, and the standby takes no DDL.
    engine = sa.create_engine(**options)
    replica = ReplicaMonitor(
        engine,
        max_lag=app.config["REPLICA_MAX_LAG_SECONDS"],
        check=app.config["REPLICA_CHECK_SECONDS"],
        retry=app.config["REPLICA_RETRY_SECONDS"],
        wait=app.config["REPLICA_CHECK_WAIT_SECONDS"],
    )
    app.extensions["pointsmart_replica"] = replica
    marked_blueprints = {name for name, bp in app.blueprints.items() if hasattr(bp, REPLICA_READS)}
    for endpoint, view in list(app.view_functions.items()):
        blueprint = endpoint.rpartition(".")[0]
        if getattr(view, REPLICA_READS, False) or blueprint in marked_blueprints:
            app.view_functions[endpoint] = _read_from_replica(view, replica)
            replica.endpoints.add(endpoint)

    def back_to_the_primary(error=None):
        """A server thread's context outlives its requests: a view's standby must not leak
        into the next request's hooks (its caller read there, its write then committed on two
        connections). Each request ends, after any streamed answer, on the primary, and
        starts there before any other hook of the app."""
        read_from(None)

    app.teardown_request(back_to_the_primary)
    app.before_request_funcs.setdefault(None, []).insert(0, back_to_the_primary)

    @app.after_request
    def remember_primary_after_write(response):
        """Runs after the request's commit (see ``register_transaction_end``)."""
        if request.method not in SAFE_METHODS and response.status_code < 400:
            _remember_primary()
        return response
