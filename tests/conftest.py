"""Fixtures: the app is built and migrated once; each test runs in a transaction rolled back
at its end. Tests that need real commits (concurrency, command line) use ``fresh_app``."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy import orm

from pointsmart import create_app
from pointsmart.accounts import passwords
from pointsmart.clock import historical, historical_moment
from pointsmart.database import utcnow
from pointsmart.extensions import db
from tests.databases import (
    copy_database,
    create_database,
    drop_abandoned_databases,
    drop_database,
)
from tests.factories import Factories
from tests.http import ApiClient
from tests.postgres_pair import remove_pair, start_pair

TEST_SECRET = "test-secret-key"


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in a real server.

    Without this, a request made while a test holds an app context would reuse it, and with it
    ``g``: caches (the caller, the CSRF token, the locale) would leak from request to request.
    The app's clock is carried over: a request made inside ``clock.historical`` runs at that
    moment too.
    """

    def open(self, *args, **kwargs):
        moment = historical_moment()

        def in_a_context_of_its_own():
            with historical(moment) if moment else contextlib.nullcontext():
                return super(IsolatedClient, self).open(*args, **kwargs)

        return contextvars.Context().run(in_a_context_of_its_own)

    def session_transaction(self, *args, **kwargs):
        return _IsolatedSessionTransaction(super().session_transaction, args, kwargs)


class _IsolatedSessionTransaction:
    def __init__(self, factory, args, kwargs):
        self._context = contextvars.Context()
        self._manager = self._context.run(factory, *args, **kwargs)

    def __enter__(self):
        return self._context.run(self._manager.__enter__)

    def __exit__(self, *exc):
        return self._context.run(self._manager.__exit__, *exc)


class OneHashPerSecret(type(passwords._hasher)):
    """The app's argon2id hasher, at the same parameters, that hashes each secret once per test
    run and hands back that same hash after.

    A hash at OWASP's parameters costs about 30 ms, and the suite makes thousands of users and
    PINs with the same few secrets: a quarter of its time went there. What is stored and
    verified is still a real argon2id hash of the secret (verifying is not cached); only the
    salt repeats between test users, which no test relies on.
    """

    def __init__(self, hasher):
        super().__init__(
            time_cost=hasher.time_cost,
            memory_cost=hasher.memory_cost,
            parallelism=hasher.parallelism,
            hash_len=hasher.hash_len,
            salt_len=hasher.salt_len,
            type=hasher.type,
        )
        self._hashes: dict[str, str] = {}

    def hash(self, password, *, salt=None):
        if salt is not None:
            return super().hash(password, salt=salt)
        if password not in self._hashes:
            self._hashes[password] = super().hash(password)
        return self._hashes[password]


@pytest.fixture(scope="session", autouse=True)
def one_hash_per_secret():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", OneHashPerSecret(passwords._hasher))
        yield


def build_app(database_url: str, *, migrate: bool = True, **settings):
    app = create_app(
        {
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PUBLIC_BASE_URL": "https://jifen.example.test",
            # Tests sign in often from one address; the limit itself is tested on fresh_app.
            "LOGIN_RATE_LIMIT": "10000/minute",
            "LOGIN_ATTEMPT_LIMIT": "10000/minute",
            **settings,
        }
    )
    app.test_client_class = IsolatedClient
    if migrate:
        with app.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()
    return app


_migrated: dict[str, str] = {}


def migrated_database(tmp_dir) -> str:
    """A new database at the latest migration: a copy of one migrated once per test run (see
    ``migrated_template``), since running every migration again cost about a second a test."""
    if "url" not in _migrated:
        url = create_database(Path(tempfile.mkdtemp(prefix="pointsmart-template-")))
        build_app(url)
        _migrated["url"] = url
    return copy_database(_migrated["url"], tmp_dir)


@pytest.fixture(scope="session", autouse=True)
def migrated_template():
    """Removes the template ``migrated_database`` copies, once the run is over; first, what
    killed runs left on this machine's PostgreSQL server."""
    drop_abandoned_databases()
    yield
    drop_migrated_template()


def drop_migrated_template() -> None:
    """Remove the template ``migrated_database`` copies: at the run's end, or at the end of a
    script a test runs in a process of its own (no session fixture runs there)."""
    url = _migrated.pop("url", None)
    if url is not None:
        drop_database(url)
        if url.startswith("sqlite:///"):
            shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)


@contextmanager
def app_on_fresh_database(tmp_dir, **settings) -> Iterator:
    url = migrated_database(tmp_dir)
    app = build_app(url, migrate=False, **settings)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(url)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    with app_on_fresh_database(tmp_path_factory.mktemp("db")) as app:
        yield app


@pytest.fixture
def fresh_app(request, tmp_path):
    """An app on a database of its own, for tests whose work really commits.

    ``@pytest.mark.app_config(NAME=value)`` changes its settings.
    """
    marker = request.node.get_closest_marker("app_config")
    with app_on_fresh_database(tmp_path, **(marker.kwargs if marker else {})) as app:
        yield app


@pytest.fixture(scope="session")
def postgres_pair():
    """A PostgreSQL primary and its streaming hot standby, for the whole test session, on
    ports of their own (``tests/postgres_pair.py``); skips without PostgreSQL's tools on a
    SQLite run."""
    pair = start_pair()
    yield pair
    remove_pair(pair)


class TestScopedSession(orm.scoped_session):
    """The test's session outlives each request: the app's teardown does not close it, so the
    test's objects stay attached; the fixture closes it at the end of the test."""

    def remove(self):
        pass

    def close_for_good(self):
        super().remove()


@pytest.fixture
def db_session(app):
    """Bind the app's session to one connection whose transaction is rolled back afterwards.

    Commits inside the test (including at the end of each request) release savepoints only.
    """
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = TestScopedSession(
            orm.sessionmaker(
                bind=connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
            )
        )
        try:
            yield db.session
        finally:
            db.session.close_for_good()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def ctx(app, db_session):
    """An app context for calling services directly, on the rolled-back session."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app, db_session):
    return app.test_client()


@pytest.fixture
def make(ctx) -> Factories:
    return Factories()


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client)


@pytest.fixture
def clock(monkeypatch):
    """``clock(days)``: the village's days, months and the ledger's postings move ``days``
    whole days ahead (from the real now), everything else (tokens, sessions) stays. The ledger
    moves with the days: a posting at day + 7 across a month's end counts in the next month,
    as its period checks expect."""
    start = utcnow()

    def move(days: int) -> None:
        later = start + dt.timedelta(days=days)
        for module in (
            "pointsmart.periods",
            "pointsmart.ledger.posting",
            "pointsmart.ledger.chain",
        ):
            monkeypatch.setattr(f"{module}.utcnow", lambda: later)

    return move


def count_rows(table) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
