"""The app behind PgBouncer in transaction pooling mode (Debian's ``pgbouncer``).

There each transaction may run on another server connection, and several clients take turns
on one. Whatever a connection keeps between transactions is then lost or shared: psycopg's
prepared statements above all, which ``PGBOUNCER=1`` turns off (``config.engine_options``).
PgBouncer runs from a fixture on a port of its own, in front of the test primary and standby
(``tests/postgres_pair.py``), with pools of two server connections.
"""

from __future__ import annotations

import secrets
import threading

import psycopg
import pytest

from pointsmart.extensions import db
from pointsmart.households.cards import issue_card
from pointsmart.ledger import queries
from tests.conftest import build_app
from tests.factories import Factories
from tests.postgres_pair import dispose_engines, start_pgbouncer, stop_pgbouncer


@pytest.fixture(scope="module")
def bouncer(postgres_pair):
    """PgBouncer before a new database: ``<name>`` leads to the primary, ``<name>_standby``
    to the standby, ``<name>_one`` to the primary through a single server connection."""
    pair = postgres_pair
    name = pair.create_database()
    process, port = start_pgbouncer(
        pair,
        {
            name: f"port={pair.primary_port}",
            f"{name}_standby": f"port={pair.standby_port} dbname={name}",
            f"{name}_one": f"port={pair.primary_port} dbname={name} pool_size=1",
        },
    )
    yield name, port
    stop_pgbouncer(process)
    pair.sql(pair.primary_port, f'DROP DATABASE "{name}" WITH (FORCE)')


def url(port: int, database: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"


def test_psycopg_prepared_statements_clash_there_unless_turned_off(bouncer):
    """Why the setting exists: two clients taking turns on one server connection."""
    name, port = bouncer
    conninfo = f"host=127.0.0.1 port={port} dbname={name}_one user=postgres"

    def two_clients(threshold):
        with (
            psycopg.connect(conninfo, prepare_threshold=threshold) as first,
            psycopg.connect(conninfo, prepare_threshold=threshold) as second,
        ):
            first.execute("SELECT 1").fetchall()
            first.commit()
            second.execute("SELECT 2").fetchall()  # psycopg names it as first named its own
            second.commit()

    with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
        two_clients(0)
    two_clients(None)


def test_the_app_serves_through_pgbouncer_in_transaction_pooling_mode(bouncer, postgres_pair):
    name, port = bouncer
    app = build_app(
        url(port, name),
        PGBOUNCER=True,
        DATABASE_REPLICA_URL=url(port, f"{name}_standby"),
        REPLICA_CHECK_SECONDS=0,
        REPLICA_RETRY_SECONDS=0,
        REPLICA_CHECK_WAIT_SECONDS=30,
    )
    with app.app_context():
        make = Factories()
        village = make.village()
        households = [make.household(village) for _ in range(4)]
        admin = make.staff("admin", village)
        cards = [issue_card(household.id).token for household in households]
        db.session.commit()
        village_id, household_ids = village.id, [household.id for household in households]
    # The card reads go to the standby, which may be a few seconds behind by design
    # (REPLICA_MAX_LAG_SECONDS): cards issued just now are not asked for before it has them.
    postgres_pair.wait_replayed()
    failures: list[str] = []

    def work(index: int) -> None:
        client = app.test_client()
        # The same statements many times over: psycopg would prepare them after five.
        for _ in range(10):
            posted = client.post(
                "/api/v1/transfers",
                json={
                    "household_id": household_ids[index],
                    "kind": "award",
                    "points": 3,
                    "category": "other",
                },
                headers={**admin.auth, "Idempotency-Key": secrets.token_hex(8)},
            )
            read = client.get(f"/api/v1/cards/{cards[index]}")
            board = client.get(f"/board/{village_id}/leaderboard")
            for response in (posted, read, board):
                if response.status_code >= 400:
                    failures.append(f"{response.status_code} {response.get_data(as_text=True)}")

    threads = [threading.Thread(target=work, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    verify = f"/api/v1/villages/{village_id}/ledger/verify"
    try:
        verified = app.test_client().get(verify, headers=admin.auth)
        with app.app_context():
            balances = [queries.household_balance(village_id, h) for h in household_ids]
    finally:
        dispose_engines(app)  # a failure below must not leave connections for a later test

    assert failures == []
    assert verified.status_code == 200
    assert verified.get_json()["ok"], verified.get_json()
    assert balances == [30] * 4
