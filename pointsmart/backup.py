"""``flask backup -o FILE`` and ``flask restore FILE``: copies of the whole database.

SQLite: the backup is a consistent copy of the running database made with sqlite3's online
backup API (it copies every page under one read snapshot, so posts made meanwhile are either
wholly in the copy or wholly out of it). The copy is then checked with the ledger's verify,
on an app built on the copy. PostgreSQL: ``pg_dump --format=custom`` (itself one snapshot),
read from a snapshot that this command exports and verifies itself, so the ledger that is
verified is exactly the one in the archive; the archive is also listed with ``pg_restore
--list``, and verified again when it is restored.

Restore writes only into an empty database (no tables at all), so it can never mix a backup
with live data; it verifies the ledger afterwards.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from .extensions import db

# Settings an app built on the copy takes over from the running one (the environment may
# not hold them, e.g. in tests).
_INHERITED_SETTINGS = ("ENV_NAME", "TESTING", "SECRET_KEY", "PUBLIC_BASE_URL")


class BackupError(click.ClickException):
    """The backup or restore cannot go on; the message says why and what to do."""

    exit_code = 2


def register_backup_commands(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("backup")
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@with_appcontext
def backup_command(output: Path):
    """Copy the running database to FILE and check the copy's ledger."""
    url = db.engine.url
    if output.exists():
        raise BackupError(f"{output} exists; choose a new file name")
    if url.get_backend_name() == "sqlite":
        backup_sqlite(_sqlite_path(url), output)
        click.echo(f"copied SQLite database to {output}")
        ok = verify_database(f"sqlite:///{output.resolve()}")
    elif url.get_backend_name() == "postgresql":
        ok = dump_and_verify_postgresql(url, output)
    else:
        raise BackupError(f"no backup for {url.get_backend_name()} databases")
    sys.exit(0 if ok else 1)


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(backup_file: Path):
    """Restore FILE (made by ``flask backup``) into the configured, empty database."""
    url = db.engine.url
    try:
        tables = existing_tables()
    except sa.exc.OperationalError as error:
        raise BackupError(
            f"cannot open the database to restore into ({error.orig}); "
            "check DATABASE_URL, its folder and its permissions"
        ) from error
    if tables:
        raise BackupError(
            f"the database is not empty ({len(tables)} tables, e.g. {tables[0]}); "
            "restore only into a new, empty database"
        )
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        restore_sqlite(backup_file, _sqlite_path(url))
    elif url.get_backend_name() == "postgresql":
        restore_postgresql(backup_file, url)
    else:
        raise BackupError(f"no restore for {url.get_backend_name()} databases")
    click.echo(f"restored {backup_file}")
    ok = _verify_here()
    sys.exit(0 if ok else 1)


def backup_sqlite(source_path: str, output: Path) -> None:
    """Copy a live SQLite database with the online backup API (one consistent snapshot)."""
    source = sqlite3.connect(source_path, timeout=30)
    try:
        target = sqlite3.connect(output)
        try:
            with target:
                # pages=-1: copy everything in one step, under a single read transaction, so
                # writers never force a restart and the copy is one moment of the database.
                source.backup(target, pages=-1)
            # The live database runs in WAL mode; the copy is one self-contained file.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    except sqlite3.Error as error:
        # A missing folder, no permission, a full disk: no half-written copy stays behind.
        output.unlink(missing_ok=True)
        raise BackupError(f"cannot write the backup to {output} ({error})") from error
    finally:
        source.close()


def restore_sqlite(backup_file: Path, target_path: str) -> None:
    """Copy a backup file into the (empty) database file with the backup API."""
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        try:
            check = source.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{backup_file} is not a SQLite backup ({error})") from error
        if check != "ok":
            raise BackupError(f"{backup_file} is damaged: {check}")
        try:
            target = sqlite3.connect(target_path)
            try:
                source.backup(target, pages=-1)
                target.execute("PRAGMA journal_mode=WAL")
            finally:
                target.close()
        except sqlite3.Error as error:
            raise BackupError(f"cannot write {target_path} ({error})") from error
    finally:
        source.close()


def dump_and_verify_postgresql(url: sa.URL, output: Path) -> bool:
    """pg_dump and verify read one exported snapshot: what is verified is what is archived.

    The snapshot stays open (REPEATABLE READ) while pg_dump runs with ``--snapshot``; posts go
    on meanwhile and are simply not in this backup.
    """
    from .ledger.verify import verify_village_with
    from .villages.models import Village

    with db.engine.connect() as connection:
        snapshot = connection.execution_options(isolation_level="REPEATABLE READ")
        with snapshot.begin():
            snapshot_id = snapshot.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            dump_postgresql(url, output, snapshot=snapshot_id)
            click.echo(f"pg_dump wrote {output}; pg_restore reads it")
            village_ids = snapshot.execute(sa.select(Village.id).order_by(Village.id)).scalars()
            return _report_all(
                (verify_village_with(snapshot.execute, village_id) for village_id in village_ids),
                prefix="verify (the archived snapshot): ",
            )


def dump_postgresql(url: sa.URL, output: Path, snapshot: str | None = None) -> None:
    """Run ``pg_dump --format=custom``; explain how to back up when pg_dump is missing."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump is not on PATH. Install the PostgreSQL client of the server's version "
            "(e.g. apt install postgresql-client-15) and run this again, or run on the "
            "database server: pg_dump --format=custom --file=FILE DBNAME"
        )
    command = [pg_dump, "--format=custom", f"--file={output}", f"--dbname={_libpq_url(url)}"]
    if snapshot is not None:
        command.append(f"--snapshot={snapshot}")
    try:
        _run(command, url)
    except BackupError:
        output.unlink(missing_ok=True)  # no half-written archive stays behind
        raise
    pg_restore = shutil.which("pg_restore")
    if pg_restore:
        _run([pg_restore, "--list", str(output)], url)


def restore_postgresql(backup_file: Path, url: sa.URL) -> None:
    """Load a ``pg_dump --format=custom`` archive with ``pg_restore`` in one transaction."""
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise BackupError(
            "pg_restore is not on PATH. Install the PostgreSQL client "
            "(e.g. apt install postgresql-client-15), or run on the database server: "
            "pg_restore --no-owner --single-transaction --dbname=DBNAME FILE"
        )
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_libpq_url(url)}",
            str(backup_file),
        ],
        url,
    )


def existing_tables() -> list[str]:
    """Tables in the configured database (in any schema but the system's)."""
    inspector = sa.inspect(db.engine)
    if db.engine.dialect.name == "postgresql":
        schemas = [
            s
            for s in inspector.get_schema_names()
            if s not in ("information_schema",) and not s.startswith("pg_")
        ]
    else:
        schemas = [None]
    return sorted(t for schema in schemas for t in inspector.get_table_names(schema=schema))


def verify_database(database_url: str) -> bool:
    """Build an app on ``database_url`` and verify every village's ledger there."""
    # The factory that built this app builds the one on the copy (``register_backup_commands``
    # keeps it: backup sits below the factory and does not import it).
    create_app = current_app.extensions["app_factory"]
    settings = {key: current_app.config[key] for key in _INHERITED_SETTINGS}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        try:
            return _verify_here()
        finally:
            db.session.remove()
            db.engine.dispose()


def _verify_here(prefix: str = "verify: ") -> bool:
    from .ledger.verify import verify_village, village_ids

    ok = _report_all((verify_village(village_id) for village_id in village_ids()), prefix)
    db.session.rollback()
    return ok


def _report_all(reports, prefix: str) -> bool:
    from .ledger.cli import print_report

    ok = True
    for report in reports:
        ok &= report.ok
        print_report(report, prefix=prefix)
    return ok


def _sqlite_path(url: sa.URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore")
    return url.database


def _libpq_url(url: sa.URL) -> str:
    # The password goes through PGPASSWORD, not the command line (which `ps` shows).
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: sa.URL) -> None:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()}"
        )
