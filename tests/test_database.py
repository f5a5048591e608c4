"""SQLite through SQLAlchemy's documented pysqlite recipe: the driver's own transaction
handling off, ``BEGIN IMMEDIATE`` for a request that may write and a plain ``BEGIN`` for one
that only reads, a busy timeout for a writer that finds another one at work; and one
transaction per request, the caller read inside it."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from pointsmart.config import engine_options
from pointsmart.database import (
    SQLITE_BUSY_TIMEOUT_MS,
    is_sqlite,
    mark_read_only,
    reading_from,
    register_sqlite_transaction_control,
)
from pointsmart.extensions import csrf, db


@pytest.fixture
def sqlite_engine(tmp_path):
    register_sqlite_transaction_control()
    path = tmp_path / "plain.db"
    engine = sa.create_engine(f"sqlite:///{path}", **engine_options(f"sqlite:///{path}"))
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE entries (id INTEGER PRIMARY KEY, writer TEXT)")
    yield engine
    engine.dispose()


def recorded(engine) -> list[str]:
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", record)
    return statements


def test_each_connection_is_set_up_for_a_ledger(sqlite_engine):
    with sqlite_engine.connect() as connection:
        pragma = connection.exec_driver_sql

        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.connection.dbapi_connection.isolation_level is None


def test_a_write_begins_immediate_and_a_read_begins_deferred(sqlite_engine):
    statements = recorded(sqlite_engine)

    mark_read_only(False)
    with sqlite_engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO entries (writer) VALUES ('a')"))
    mark_read_only(True)
    try:
        with sqlite_engine.connect() as connection:
            connection.execute(sa.text("SELECT count(*) FROM entries")).scalar()
    finally:
        mark_read_only(False)

    assert statements[0] == "BEGIN IMMEDIATE"
    assert "BEGIN" in statements[2:]
    assert "BEGIN IMMEDIATE" not in statements[2:]


def test_a_second_writer_waits_for_the_first_and_then_writes(sqlite_engine):
    """The busy timeout, not an error: the second writer's BEGIN IMMEDIATE waits."""
    mark_read_only(False)
    first = sqlite_engine.connect()
    first.execute(sa.text("INSERT INTO entries (writer) VALUES ('first')"))
    done = threading.Event()

    def second_writer():
        mark_read_only(False)
        with sqlite_engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO entries (writer) VALUES ('second')"))
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.2)
    assert not done.is_set()  # waiting for the first writer's transaction
    first.commit()
    first.close()
    thread.join(timeout=10)

    assert done.is_set()
    with sqlite_engine.connect() as connection:
        writers = connection.execute(sa.text("SELECT writer FROM entries ORDER BY id")).scalars()
        assert list(writers) == ["first", "second"]


def test_only_a_standby_pings_at_every_checkout_and_sqlite_files_need_no_options():
    assert engine_options("sqlite:////tmp/x.db") == {}
    assert engine_options("postgresql+psycopg://postgres@127.0.0.1/test") == {}
    assert engine_options("postgresql+psycopg://db-standby/x", pre_ping=True) == {
        "pool_pre_ping": True
    }


def _server_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def _cut(engine, pid: int) -> None:
    """End the server's side of a pooled connection, as a restart or a firewall would."""
    with sa.create_engine(engine.url, poolclass=sa.pool.NullPool).connect() as other:
        assert other.exec_driver_sql(f"SELECT pg_terminate_backend({pid})").scalar_one()
    deadline = time.monotonic() + 5
    with sa.create_engine(engine.url, poolclass=sa.pool.NullPool).connect() as other:
        while (
            time.monotonic() < deadline
            and other.exec_driver_sql(
                f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}"
            ).scalar_one()
        ):
            time.sleep(0.05)


@pytest.fixture
def cut_in_the_pool(fresh_app):
    """A household's balance read (its path and its reader's headers), and the server's pid of
    the app's one pooled connection, whose server side has just been ended."""
    from tests.factories import Factories

    with fresh_app.app_context():
        engine = db.engine
        if is_sqlite(engine):
            pytest.skip("a SQLite file has no server to lose")
        make = Factories()
        village = make.village()
        path = f"/api/v1/households/{make.household(village).id}"
        headers = make.staff("admin", village).auth
        db.session.commit()
        db.session.remove()
        pooled = _server_pid(engine)
    _cut(engine, pooled)
    return engine, path, headers, pooled


@pytest.mark.app_config(DATABASE_PING_AFTER_IDLE_SECONDS=0.2)
def test_a_connection_cut_while_idle_is_replaced_before_a_request_uses_it(
    fresh_app, cut_in_the_pool
):
    engine, path, headers, pooled = cut_in_the_pool
    time.sleep(0.3)  # idle past its allowance

    read = fresh_app.test_client().get(path, headers=headers)

    assert read.status_code == 200, read.get_json()
    assert _server_pid(engine) != pooled


@pytest.mark.app_config(DATABASE_PING_AFTER_IDLE_SECONDS=60)
def test_a_connection_back_in_use_at_once_is_not_tested_and_a_cut_one_fails_one_request(
    fresh_app, cut_in_the_pool
):
    """The price of not testing a busy connection: cut within its allowance, it fails the one
    request that meets it (a 503 to try again: its transaction went uncommitted with the
    connection); SQLAlchemy renews the pool and the next request is served."""
    _, path, headers, _ = cut_in_the_pool
    client = fresh_app.test_client()

    met_the_cut = client.get(path, headers=headers)
    after = client.get(path, headers=headers)

    assert met_the_cut.status_code == 503
    assert met_the_cut.get_json()["code"] == "connection_lost"
    assert met_the_cut.headers["Retry-After"] == "2"
    assert after.status_code == 200, after.get_json()


# As in production: an error outside the view reaches the error handlers, not the test.
@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_a_connection_cut_before_the_commit_is_said_as_an_outcome_not_known(fresh_app):
    """The commit runs after the view, in the after-request hook: a connection lost there
    takes the outcome with it (the server may have committed before it went), so the answer
    is a 503 that says so, not a 500 claiming that nothing was saved."""
    with fresh_app.app_context():
        if is_sqlite(db.engine):
            pytest.skip("a SQLite file has no server to lose")
        engine = db.engine

    @fresh_app.post("/test/cut-before-commit")
    @csrf.exempt
    def cut_before_commit():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        _cut(engine, pid)
        return {"written": True}

    client = fresh_app.test_client()
    cut = client.post("/test/cut-before-commit", headers={"Accept-Language": "en"})
    after = client.post("/test/cut-before-commit", headers={"Accept-Language": "en"})

    assert cut.status_code == 503
    assert "it may or may not have been saved" in cut.get_data(as_text=True)
    assert cut.headers["Retry-After"] == "2"
    assert after.status_code == 503  # each meets its own cut, on a connection renewed for it


def test_an_api_write_reads_its_caller_in_its_one_transaction(fresh_app):
    """The caller is read inside the write's transaction: no commit comes between finding the
    caller and writing, so a token revoked meanwhile cannot write (it waits, or is seen)."""
    from tests.factories import Factories

    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        household = make.household(village)
        leader = make.staff("leader", village)
        db.session.commit()
        engine = db.engine
    statements = recorded(engine)

    response = fresh_app.test_client().post(
        "/api/v1/transfers",
        json={"household_id": household.id, "kind": "award", "points": 5, "category": "volunteer"},
        headers={**leader.auth, "Idempotency-Key": "one-transaction-1"},
    )

    assert response.status_code == 201, response.get_json()
    transaction = [s for s in statements if s.split()[0] in ("BEGIN", "COMMIT", "ROLLBACK")]
    if is_sqlite(engine):
        assert transaction == ["BEGIN IMMEDIATE"]  # the commit is the driver's own call
        assert statements[0] == "BEGIN IMMEDIATE"
    assert statements[int(is_sqlite(engine))].startswith("SELECT api_tokens.user_id")


def test_a_requests_transaction_ends_before_the_other_after_request_hooks(app):
    """Flask runs after-request hooks last registered first: the commit is registered last, so
    a sale's write lock is not held while headers are set."""
    names = [getattr(hook, "__name__", repr(hook)) for hook in app.after_request_funcs[None]]

    assert names[-1] == "commit_or_roll_back"
    assert names.count("commit_or_roll_back") == 1


def in_transaction_by_statement(engine) -> list[tuple[str, bool]]:
    """Each statement's first words and whether its connection ran it inside a transaction
    (on PostgreSQL, not in AUTOCOMMIT)."""
    seen: list[tuple[str, bool]] = []

    def record(conn, cursor, statement, *args):
        autocommit = conn.connection.dbapi_connection.autocommit
        seen.append((" ".join(statement.split()[:2]), not autocommit))

    sa.event.listen(engine, "before_cursor_execute", record)
    return seen


def test_on_postgresql_a_read_runs_without_begin_and_commit_and_its_writes_in_one_transaction(
    fresh_app,
):
    """A GET reads in AUTOCOMMIT (no BEGIN, no COMMIT: two round trips fewer); a POST runs
    every statement in its one transaction; a GET that writes writes in a transaction, and so
    does every statement after its first write."""
    from tests.factories import Factories

    with fresh_app.app_context():
        engine = db.engine
        if is_sqlite(engine):
            pytest.skip("SQLite reads keep their BEGIN: it gives a page one snapshot")
        make = Factories()
        village = make.village()
        household = make.household(village)
        admin = make.staff("admin", village)
        db.session.commit()

    def write_on_a_read():
        from pointsmart.villages.models import Village

        before = db.session.get(Village, village.id).name
        db.session.execute(
            sa.update(Village).where(Village.id == village.id).values(name=before + "!")
        )
        after = db.session.get(Village, village.id, populate_existing=True).name
        return {"before": before, "after": after}

    fresh_app.add_url_rule("/test/write-on-a-read", view_func=write_on_a_read)
    client = fresh_app.test_client()
    seen = in_transaction_by_statement(engine)

    read = client.get(f"/api/v1/households/{household.id}", headers=admin.auth)
    reads, seen[:] = list(seen), []
    written = client.post(
        "/api/v1/transfers",
        json={"household_id": household.id, "kind": "award", "points": 5, "category": "volunteer"},
        headers={**admin.auth, "Idempotency-Key": "autocommit-reads-1"},
    )
    writes, seen[:] = list(seen), []
    wrote_on_a_read = client.get("/test/write-on-a-read")

    assert read.status_code == 200, read.get_json()
    assert written.status_code == 201, written.get_json()
    assert reads
    assert not any(in_transaction for _, in_transaction in reads)
    assert writes
    assert all(in_transaction for _, in_transaction in writes)
    assert [(words, in_transaction) for words, in_transaction in seen] == [
        ("SELECT villages.id,", False),
        ("UPDATE villages", True),
        ("SELECT villages.id,", True),  # sees its own write
    ]
    assert wrote_on_a_read.get_json()["after"] == wrote_on_a_read.get_json()["before"] + "!"
    with fresh_app.app_context():
        from pointsmart.villages.models import Village

        assert db.session.get(Village, village.id).name.endswith("!")  # committed


def test_on_postgresql_a_read_ends_its_autocommit_routing_with_the_request(fresh_app):
    """The hooks run in one context here (the test client isolates each request in its own):
    what the request set, its teardown takes back, so a command in the thread afterwards
    reads in transactions."""
    with fresh_app.app_context():
        if is_sqlite(db.engine):
            pytest.skip("SQLite reads keep their BEGIN")
    with fresh_app.test_request_context("/"):
        fresh_app.preprocess_request()
        during = reading_from()
        fresh_app.do_teardown_request()
        after = reading_from()

    assert during is not None
    assert during.get_execution_options()["isolation_level"] == "AUTOCOMMIT"
    assert after is None


def test_the_exports_read_in_batches_inside_a_transaction(fresh_app):
    """Regression: on PostgreSQL the transfers and sales exports read with a server-side cursor
    (``yield_per``), which exists only in a transaction: in AUTOCOMMIT the xlsx answered 500
    and the CSV stopped after its headers."""
    from tests.counter.web import sign_in
    from tests.factories import Factories

    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        household = make.household(village)
        admin = make.staff("admin", village)
        make.award(household, 7)
        client = fresh_app.test_client()
        sign_in(client, admin)
        answers = {
            (name, kind): client.get(f"/villages/{village.id}/exports/{name}.{kind}", buffered=True)
            for name in ("transfers", "redemptions")
            for kind in ("csv", "xlsx")
        }
        bodies = {key: answer.get_data() for key, answer in answers.items()}

    assert {key: answer.status_code for key, answer in answers.items()} == dict.fromkeys(
        answers, 200
    )
    assert bodies[("transfers", "csv")].decode("utf-8-sig").count("\n") == 2  # headers, award
    assert bodies[("redemptions", "csv")].decode("utf-8-sig").count("\n") == 1  # headers
