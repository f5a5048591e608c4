"""Reads from a hot standby: the public and read-only pages read there, everything else on the
primary; a standby that lags or is down is skipped, one that dies mid-request is left for the
primary within the request, and a session never reads older than what the primary showed it.

A real primary and standby (``tests/postgres_pair.py``) serve every test here; the pair is
made once per test session. To tell where a page read, the standby's replay is paused and the
primary changed: a page still showing the old balance read from the standby.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import subprocess
import time

import pytest
import sqlalchemy as sa
from flask import template_rendered
from flask.testing import FlaskClient

from pointsmart import create_app
from pointsmart.counter import pins
from pointsmart.database import read_from, reading_from
from pointsmart.extensions import db
from pointsmart.households.cards import issue_card
from pointsmart.ledger import queries
from pointsmart.ledger import service as ledger
from pointsmart.replica import SESSION_LSN_KEY, lsn_number
from pointsmart.villages.models import Village
from tests.conftest import TEST_SECRET, build_app
from tests.factories import ROOT, Factories
from tests.postgres_pair import dispose_engines

PIN = "135790"
PHONE = "13800138000"


def settings(pair, database: str, **more) -> dict:
    return {
        "DATABASE_REPLICA_URL": pair.standby_url(database),
        "REPLICA_CHECK_SECONDS": 0,  # ask the standby at every request: no test waits
        "REPLICA_RETRY_SECONDS": 0,
        "REPLICA_CHECK_WAIT_SECONDS": 30,  # a busy machine's slow answer is still an answer
        "REPLICA_MAX_LAG_SECONDS": 3600,
        "WTF_CSRF_ENABLED": False,
        **more,
    }


@pytest.fixture(scope="module")
def database(postgres_pair):
    name = postgres_pair.create_database()
    yield name
    postgres_pair.sql(postgres_pair.primary_port, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def app(postgres_pair, database):
    app = build_app(postgres_pair.primary_url(database), **settings(postgres_pair, database))
    yield app
    dispose_engines(app)


@pytest.fixture(scope="module")
def village(app, postgres_pair):
    """A village with a household (balance 100, a card, a phone and a PIN) and an admin."""
    with app.app_context():
        make = Factories()
        village = make.village()
        household = make.household(village, phone=PHONE)
        pins.set_pin(ROOT, household.id, PIN)
        household.pin_chosen_hash = household.pin_hash
        make.award(household, 100)
        admin = make.staff("admin", village)
        card = issue_card(household.id)
        db.session.commit()
        facts = {
            "village_id": village.id,
            "household_id": household.id,
            "card": card.token,
            "admin": admin,
        }
    postgres_pair.wait_replayed()
    return facts


def award(app, village, points: int) -> None:
    """Points given on the primary, as a committee would (committed)."""
    with app.app_context():
        ledger.award(village["village_id"], village["household_id"], points, category="other")
        db.session.commit()


def balance_on_card(client, village) -> int:
    response = client.get(f"/api/v1/cards/{village['card']}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["balance"]


def primary_balance(app, village) -> int:
    with app.app_context():
        return queries.household_balance(village["village_id"], village["household_id"])


def balance_on_page(response) -> int:
    """The household's balance on the card page or on /me."""
    html = response.get_data(as_text=True)
    found = re.search(r'(?:data-testid|id)="balance"[^>]*>\s*(-?[0-9]+)\s*<', html)
    assert found, html
    return int(found.group(1))


@pytest.fixture
def behind(postgres_pair):
    """The standby receives the primary's changes but applies none until the test ends."""

    def pause():
        # A fresh commit replayed just before the pause: the standby counts as current.
        postgres_pair.sql(postgres_pair.primary_port, "SELECT txid_current()")
        postgres_pair.wait_replayed()
        postgres_pair.pause_replay()

    try:
        yield pause
    finally:
        postgres_pair.resume_replay()
        postgres_pair.wait_replayed()


@pytest.fixture
def standby_back(postgres_pair):
    """Whatever a test does to the standby, it runs again afterwards."""
    yield
    with contextlib.suppress(subprocess.CalledProcessError):
        postgres_pair.start_standby()
    postgres_pair.wait_replayed()


def test_public_reads_come_from_the_standby_and_writes_go_to_the_primary(app, village, behind):
    client = app.test_client()
    before = balance_on_card(client, village)
    behind()

    award(app, village, 7)  # on the primary; the standby has not applied it
    stale = balance_on_card(client, village)
    written = client.post(
        "/api/v1/transfers",
        json={
            "household_id": village["household_id"],
            "kind": "award",
            "points": 5,
            "category": "other",
        },
        headers={**village["admin"].auth, "Idempotency-Key": secrets.token_hex(8)},
    )

    assert stale == before  # the card read the standby
    assert written.status_code == 201, written.get_data(as_text=True)  # a standby refuses writes
    assert written.get_json()["balance_after"] == before + 12


def test_a_standby_further_behind_than_allowed_is_skipped(postgres_pair, database, village, behind):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": postgres_pair.primary_url(database),
            "PUBLIC_BASE_URL": "https://jifen.example.test",
            **settings(postgres_pair, database, REPLICA_MAX_LAG_SECONDS=1),
        }
    )
    client = app.test_client()
    before = balance_on_card(client, village)
    behind()

    award(app, village, 3)
    time.sleep(1.5)  # the standby's last applied commit is now more than a second old
    fresh = balance_on_card(client, village)

    state = app.extensions["pointsmart_replica"].state()
    assert state.lag_seconds > 1
    assert not state.usable
    assert fresh == before + 3  # read on the primary
    dispose_engines(app)


def test_a_household_just_signed_in_is_not_signed_out_by_a_standby_behind(app, village, behind):
    client = app.test_client()
    behind()

    signed_in = client.post("/me/login", data={"phone": PHONE, "pin": PIN})
    page = client.get("/me")  # the new session exists on the primary only

    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    assert page.status_code == 200, page.headers.get("Location")
    with client.session_transaction() as session:
        assert session[SESSION_LSN_KEY] > 0


def test_once_the_standby_has_caught_up_the_session_reads_there_again(
    app, village, postgres_pair, behind
):
    client = app.test_client()
    assert client.post("/me/login", data={"phone": PHONE, "pin": PIN}).status_code == 302
    postgres_pair.wait_replayed()
    before = balance_on_page(client.get("/me"))
    behind()

    award(app, village, 2)  # by the committee: this session has not seen it
    again = balance_on_page(client.get("/me"))

    assert again == before  # from the standby, which has everything this session saw
    assert primary_balance(app, village) == before + 2


def test_a_stopped_standby_is_skipped_and_a_restarted_one_used(app, village, postgres_pair):
    client = app.test_client()
    postgres_pair.stop_standby()
    try:
        award(app, village, 4)
        while_down = balance_on_card(client, village)
        assert app.extensions["pointsmart_replica"].state().usable is False
    finally:
        postgres_pair.start_standby()
    postgres_pair.wait_replayed()

    assert while_down == primary_balance(app, village)
    assert balance_on_card(client, village) == while_down
    assert app.extensions["pointsmart_replica"].state().usable is True


def test_the_standby_stopping_mid_request_leaves_the_request_to_the_primary(
    app, village, postgres_pair, standby_back
):
    client = app.test_client()
    expected = primary_balance(app, village)
    with app.app_context():
        standby = app.extensions["pointsmart_replica"].engine
        primary = db.engine
    stopped = []
    on_the_primary_in_a_transaction = []

    def stop_after_first_read(connection, cursor, statement, *args):
        if not stopped and "pg_is_in_recovery" not in statement:  # a read of the view's
            stopped.append(True)
            postgres_pair.stop_standby()

    def note_transaction(connection, cursor, statement, *args):
        if stopped:
            autocommit = connection.connection.dbapi_connection.autocommit
            on_the_primary_in_a_transaction.append(not autocommit)

    sa.event.listen(standby, "after_cursor_execute", stop_after_first_read)
    sa.event.listen(primary, "before_cursor_execute", note_transaction)
    try:
        page = client.get(f"/c/{village['card']}")
    finally:
        sa.event.remove(standby, "after_cursor_execute", stop_after_first_read)
        sa.event.remove(primary, "before_cursor_execute", note_transaction)

    assert stopped
    assert page.status_code == 200
    assert balance_on_page(page) == expected
    assert app.extensions["pointsmart_replica"].state().usable is False
    # The view ran again as any read of the primary does: each statement on its own.
    assert on_the_primary_in_a_transaction
    assert not any(on_the_primary_in_a_transaction)


def test_the_standby_stopping_once_the_page_is_made_costs_the_reader_nothing(
    app, village, postgres_pair, standby_back
):
    client = app.test_client()
    expected = primary_balance(app, village)
    stopped = []

    def stop_once_rendered(sender, template, context, **extra):
        if not stopped:
            stopped.append(True)
            postgres_pair.stop_standby()

    template_rendered.connect(stop_once_rendered, app)
    try:
        page = client.get(f"/c/{village['card']}")
    finally:
        template_rendered.disconnect(stop_once_rendered, app)

    assert stopped
    assert page.status_code == 200
    assert balance_on_page(page) == expected


def test_a_request_leaves_the_next_one_in_its_thread_on_the_primary(app, village):
    # Requests that share a thread's context, as a server's worker thread does.
    client = FlaskClient(app, app.response_class)

    read = client.get(f"/c/{village['card']}")

    assert read.status_code == 200
    assert reading_from() is None


def test_with_writes_the_rest_of_a_request_reads_the_primary(app, village):
    with app.test_request_context():
        standby = app.extensions["pointsmart_replica"].engine
        read_from(standby)
        in_recovery = sa.select(sa.func.pg_is_in_recovery())
        try:
            on_standby = db.session.execute(in_recovery).scalar()
            db.session.execute(
                sa.update(Village).where(Village.id == village["village_id"]).values(name="改名村")
            )
            after_write = db.session.execute(in_recovery).scalar()
        finally:
            db.session.rollback()
            read_from(None)

    assert on_standby is True
    assert after_write is False


def test_only_read_only_views_read_from_the_standby(app):
    replica = app.extensions["pointsmart_replica"]
    rules = {rule.endpoint: rule.methods for rule in app.url_map.iter_rules()}

    assert {
        "public_board.board",
        "public_board.leaderboard",
        "public_board.tv",
        "card.card_page",
        "villagers.home",
        "campaigns_pages.my_campaigns",
        "campaigns_pages.my_campaign",
        "reports.committee_report",
        "reports.export_download",
        "statements.slips_pdf",
        "boards.board",
        "boards.village_leaderboard",
        "households.card_holder",
        "ledger.household_transfers",
        "regions_pages.dashboard",
        "regions.dashboard",
    } <= replica.endpoints
    for endpoint in replica.endpoints:
        assert rules[endpoint] <= {"GET", "HEAD", "OPTIONS"}, endpoint
    primary_only = ("counter", "accounts.", "admin.", "awards.")
    assert not any(name.startswith(primary_only) for name in replica.endpoints)


def test_a_process_asks_the_standby_at_most_once_a_check_interval(app, village):
    from pointsmart.replica import ReplicaMonitor

    with app.app_context():
        standby = app.extensions["pointsmart_replica"].engine
    monitor = ReplicaMonitor(standby, max_lag=5, check=60, retry=60)
    asked = []

    def count(*args):
        asked.append(1)

    sa.event.listen(standby, "before_cursor_execute", count)
    try:
        states = [monitor.state() for _ in range(5)]
    finally:
        sa.event.remove(standby, "before_cursor_execute", count)

    assert all(state.usable for state in states)
    assert len(asked) == 1


def test_wal_positions_order_as_the_wal_does():
    assert lsn_number("0/16B3748") < lsn_number("0/16B3749") < lsn_number("1/0")
    assert lsn_number("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert lsn_number(None) is None


def test_a_standby_slow_to_answer_counts_as_down_until_its_answer_comes(app, monkeypatch):
    """Behind PgBouncer a stopped standby's check waits (PgBouncer retries its login): no
    request waits on it for longer than the check's own limit."""
    from pointsmart.replica import ReplicaMonitor

    monitor = ReplicaMonitor(
        app.extensions["pointsmart_replica"].engine, max_lag=5, check=0, retry=0, wait=0.1
    )
    real_answer = monitor._answer
    monkeypatch.setattr(monitor, "_answer", lambda: (time.sleep(0.5), real_answer())[1])

    started = time.monotonic()
    first = monitor.state()
    waited = time.monotonic() - started
    again = monitor.state()  # the first question still waits: nobody asks again
    time.sleep(0.8)

    assert waited < 0.4
    assert not first.usable
    assert not again.usable
    assert monitor._state.usable  # the late answer was taken
