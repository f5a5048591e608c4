"""``flask backup`` and ``flask restore`` on databases that really committed.

With ``TEST_DATABASE_URL`` set, the same tests run the pg_dump / pg_restore path on scratch
PostgreSQL databases; without it, SQLite's online backup API.
"""

from __future__ import annotations

import re
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from pointsmart import backup, create_app
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Account, ChainHead, Transfer
from pointsmart.villages.models import Village
from tests.conftest import TEST_SECRET
from tests.databases import create_database, drop_database
from tests.factories import Factories


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def village_with_history(fresh_app):
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        household = make.household(village)
        other = make.household(village)
        shop = make.shop(village)
        make.award(household, 30)
        make.award(other, 12)
        ledger.redeem(village.id, household.id, shop.id, 10)
        db.session.commit()
        return village.id, household.id


@pytest.fixture
def empty_app(tmp_path):
    """An app on a new database with no tables at all (not migrated)."""
    url = create_database(tmp_path)
    app = create_app(
        {
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": url,
            "PUBLIC_BASE_URL": "https://jifen.example.test",
        }
    )
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(url)


def ledger_state(app):
    with app.app_context():
        balances = dict(db.session.execute(sa.select(Account.code, Account.balance)).all())
        heads = dict(db.session.execute(sa.select(ChainHead.village_id, ChainHead.last_hash)).all())
        count = db.session.execute(sa.select(sa.func.count()).select_from(Transfer)).scalar_one()
        db.session.rollback()
        return balances, heads, count


def test_backup_while_transfers_are_posted_is_consistent_and_verifies(
    fresh_app, village_with_history, empty_app, tmp_path
):
    village_id, household_id = village_with_history
    stop = threading.Event()
    posted = threading.Semaphore(0)
    errors = []

    def keep_posting():
        try:
            with fresh_app.app_context():
                while not stop.is_set():
                    ledger.award(village_id, household_id, 1, category="red")
                    db.session.commit()
                    posted.release()
        except Exception as error:  # reported by the assertion below
            errors.append(error)
            posted.release()

    poster = threading.Thread(target=keep_posting)
    poster.start()
    try:
        for _ in range(5):
            assert posted.acquire(timeout=10)
        result = run(fresh_app, "backup", "-o", str(tmp_path / "copy.backup"))
        for _ in range(5):  # posts kept landing after the backup
            assert posted.acquire(timeout=10)
    finally:
        stop.set()
        poster.join(timeout=30)

    assert not errors
    assert result.exit_code == 0, result.output
    assert f"village {village_id}: ok" in result.output
    verified = int(re.search(rf"village {village_id}: ok, ([0-9]+) transfers", result.output)[1])

    restored = run(empty_app, "restore", str(tmp_path / "copy.backup"))
    assert restored.exit_code == 0, restored.output
    assert f"verify: village {village_id}: ok" in restored.output
    balances, _, count = ledger_state(empty_app)
    live_balances, _, live_count = ledger_state(fresh_app)
    assert 3 + 5 <= count < live_count
    assert verified == count  # what was verified is exactly what the backup holds
    # The copy is one moment: the household has what the awards in the copy gave it.
    assert balances[f"household:{household_id}"] == 30 - 10 + (count - 3)
    assert sum(balances.values()) == 0
    assert live_balances[f"household:{household_id}"] > balances[f"household:{household_id}"]


def test_restore_into_an_empty_database_gives_the_same_balances_and_head(
    fresh_app, village_with_history, empty_app, tmp_path
):
    village_id, _ = village_with_history
    copy = tmp_path / "copy.backup"
    assert run(fresh_app, "backup", "-o", str(copy)).exit_code == 0

    result = run(empty_app, "restore", str(copy))

    assert result.exit_code == 0, result.output
    assert f"verify: village {village_id}: ok, 3 transfers" in result.output
    assert ledger_state(empty_app) == ledger_state(fresh_app)
    verify = run(empty_app, "ledger", "verify")
    assert verify.exit_code == 0, verify.output


def test_the_restored_database_keeps_its_append_only_guard(
    fresh_app, village_with_history, empty_app, tmp_path
):
    copy = tmp_path / "copy.backup"
    assert run(fresh_app, "backup", "-o", str(copy)).exit_code == 0
    assert run(empty_app, "restore", str(copy)).exit_code == 0

    with (
        empty_app.app_context(),
        pytest.raises(sa.exc.DatabaseError),
        db.engine.begin() as connection,
    ):
        connection.exec_driver_sql("UPDATE transfers SET amount = 5000")


def test_the_restored_database_takes_new_households_and_postings(
    fresh_app, village_with_history, empty_app, tmp_path
):
    """A restore is for going on: ids (PostgreSQL's sequences) continue after the copy's,
    and the chain goes on from its head."""
    village_id, household_id = village_with_history
    copy = tmp_path / "copy.backup"
    assert run(fresh_app, "backup", "-o", str(copy)).exit_code == 0
    assert run(empty_app, "restore", str(copy)).exit_code == 0

    with empty_app.app_context():
        make = Factories()
        newcomer = make.household(db.session.get(Village, village_id))
        make.award(newcomer, 7)
        ledger.award(village_id, household_id, 5, category="other")
        db.session.commit()
        db.session.remove()

    verify = run(empty_app, "ledger", "verify")
    assert verify.exit_code == 0, verify.output
    assert "5 transfers" in verify.output


def test_restore_into_a_database_with_tables_is_refused(fresh_app, village_with_history, tmp_path):
    copy = tmp_path / "copy.backup"
    assert run(fresh_app, "backup", "-o", str(copy)).exit_code == 0
    before = ledger_state(fresh_app)

    result = run(fresh_app, "restore", str(copy))

    assert result.exit_code == 2
    assert "not empty" in result.output
    assert ledger_state(fresh_app) == before


def test_backup_never_overwrites_a_file(fresh_app, village_with_history, tmp_path):
    copy = tmp_path / "copy.backup"
    copy.write_bytes(b"keep me")

    result = run(fresh_app, "backup", "-o", str(copy))

    assert result.exit_code == 2
    assert "exists" in result.output
    assert copy.read_bytes() == b"keep me"


def test_backup_fails_when_the_copy_does_not_verify(
    fresh_app, village_with_history, tmp_path, monkeypatch
):
    with fresh_app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the SQLite backup verifies its copy")
    real_backup = backup.backup_sqlite

    def backup_then_tamper(source, output):
        real_backup(source, output)
        with sqlite3.connect(output) as copy:
            copy.execute("DROP TRIGGER transfers_refuse_update")
            copy.execute("UPDATE transfers SET amount = amount + 1 WHERE seq = 1")

    monkeypatch.setattr(backup, "backup_sqlite", backup_then_tamper)

    result = run(fresh_app, "backup", "-o", str(tmp_path / "copy.backup"))

    assert result.exit_code == 1
    assert "FAILED" in result.output


def test_restore_refuses_a_file_that_is_no_backup(empty_app, tmp_path):
    with empty_app.app_context():
        backend = db.engine.dialect.name
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)

    result = run(empty_app, "restore", str(junk))

    assert result.exit_code == 2
    expected = "pg_restore failed" if backend == "postgresql" else "not a SQLite backup"
    assert expected in result.output


def test_the_postgresql_backup_is_a_pg_dump_archive(fresh_app, village_with_history, tmp_path):
    with fresh_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    copy = tmp_path / "copy.backup"

    result = run(fresh_app, "backup", "-o", str(copy))

    assert result.exit_code == 0, result.output
    assert copy.read_bytes()[:5] == b"PGDMP"  # pg_dump --format=custom
    assert "verify (the archived snapshot): village" in result.output


def test_without_pg_dump_the_backup_says_how(monkeypatch, tmp_path):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    url = sa.make_url("postgresql+psycopg://postgres@db.example/pointsmart")

    with pytest.raises(backup.BackupError, match="pg_dump is not on PATH"):
        backup.dump_postgresql(url, tmp_path / "copy.backup")


def test_a_backup_that_cannot_be_written_is_refused_without_a_traceback(
    fresh_app, village_with_history, tmp_path
):
    output = tmp_path / "no-such-folder" / "copy.backup"

    result = run(fresh_app, "backup", "-o", str(output))

    assert result.exit_code == 2, result.output  # 1 would say the copy did not verify
    assert "cannot write the backup" in result.output or "pg_dump failed" in result.output
    assert not isinstance(result.exception, sqlite3.Error)
    assert not output.exists()


def test_a_sqlite_backup_that_fails_midway_leaves_no_partial_file(
    fresh_app, village_with_history, tmp_path, monkeypatch
):
    with fresh_app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the SQLite backup API")
        path = backup._sqlite_path(db.engine.url)
    output = tmp_path / "copy.backup"

    class FullDisk:
        def __init__(self, connection):
            self.connection = connection

        def backup(self, target, pages):
            target.execute("CREATE TABLE half (x)")
            raise sqlite3.OperationalError("database or disk is full")

        def close(self):
            self.connection.close()

    real_connect = sqlite3.connect
    monkeypatch.setattr(
        backup.sqlite3,
        "connect",
        lambda name, **kw: (
            FullDisk(real_connect(name, **kw)) if str(name) == path else real_connect(name, **kw)
        ),
    )

    with fresh_app.app_context(), pytest.raises(backup.BackupError, match="disk is full"):
        backup.backup_sqlite(path, output)
    assert not output.exists()


def test_a_failed_pg_dump_leaves_no_partial_archive(monkeypatch, tmp_path):
    output = tmp_path / "copy.backup"

    def half_then_fail(command, url):
        output.write_bytes(b"PGDMP half")
        raise backup.BackupError("pg_dump failed (1): could not write: No space left on device")

    monkeypatch.setattr(backup.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(backup, "_run", half_then_fail)
    url = sa.make_url("postgresql+psycopg://postgres@db.example/pointsmart")

    with pytest.raises(backup.BackupError, match="No space left"):
        backup.dump_postgresql(url, output)
    assert not output.exists()


def test_restore_into_a_database_that_cannot_be_opened_is_refused(
    fresh_app, village_with_history, tmp_path
):
    copy = tmp_path / "copy.backup"
    assert run(fresh_app, "backup", "-o", str(copy)).exit_code == 0
    with fresh_app.app_context():
        if db.engine.dialect.name == "sqlite":
            target = f"sqlite:///{tmp_path / 'no-such-folder' / 'restored.db'}"
        else:
            target = db.engine.url.set(database="no_such_database").render_as_string(False)
    app = create_app(
        {
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": target,
            "PUBLIC_BASE_URL": "https://jifen.example.test",
        }
    )

    result = run(app, "restore", str(copy))

    assert result.exit_code == 2, result.output
    assert "cannot open the database to restore into" in result.output
    assert not isinstance(result.exception, sa.exc.DBAPIError)
