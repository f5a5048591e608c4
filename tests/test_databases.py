"""The test suite's throwaway databases: what a killed run leaves on the PostgreSQL server is
dropped by the next run, and nothing of a run still going."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from tests.databases import (
    ABANDONED_AFTER_SECONDS,
    drop_abandoned_databases,
    new_name,
    server_url,
)

# A run on SQLite makes its databases as files in temporary folders, which leave nothing on a
# server; these run with make test-postgres (and in CI).
pytestmark = pytest.mark.skipif(
    server_url() is None, reason="the leftovers are PostgreSQL's: run with TEST_DATABASE_URL"
)


def a_finished_process() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(finished.stdout)


@pytest.fixture
def server():
    engine = sa.create_engine(server_url(), isolation_level="AUTOCOMMIT")
    made = []

    def make(name: str) -> str:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return name

    def names() -> set[str]:
        with engine.connect() as connection:
            return set(connection.exec_driver_sql("SELECT datname FROM pg_database").scalars())

    make.names = names
    yield make
    with engine.connect() as connection:
        for name in made:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def test_the_databases_of_a_run_long_over_are_dropped(server):
    long_ago = time.time() - ABANDONED_AFTER_SECONDS - 60
    abandoned = server(new_name(made_at=long_ago, pid=a_finished_process()))

    dropped = drop_abandoned_databases()

    assert abandoned in dropped
    assert abandoned not in server.names()


def test_a_database_of_a_running_process_or_of_the_last_hours_is_kept(server):
    long_ago = time.time() - ABANDONED_AFTER_SECONDS - 60
    of_this_run = server(new_name(made_at=long_ago))
    # A process gone from here may run in another PID namespace (a container sharing the
    # server): a database of the last hours is kept whoever made it.
    recent = server(new_name(pid=a_finished_process()))
    not_ours = server("pointsmart_test_kept_by_hand")

    dropped = drop_abandoned_databases()

    assert not {of_this_run, recent, not_ours} & set(dropped)
    assert {of_this_run, recent, not_ours} <= server.names()
