"""A PostgreSQL primary and its streaming hot standby, made for the tests and removed after.

Debian's PostgreSQL tools (``/usr/lib/postgresql/<version>/bin``, or ``PG_BINDIR``) make
both clusters in a temporary folder: ``initdb`` the primary, ``pg_basebackup -R`` the standby
from it (``-R`` writes its ``standby.signal`` and ``primary_conninfo``), each on a free port
of 127.0.0.1 and a socket folder of its own, so they touch no other PostgreSQL on the machine.
``initdb`` refuses to run as root: as root the clusters belong to the ``postgres`` user and
every tool runs through ``runuser``.

Without the tools the tests that need the pair skip on a SQLite run, saying why; a PostgreSQL
run (``TEST_DATABASE_URL``, ``make test-postgres``) fails instead, since it must run them.
PgBouncer (Debian's ``pgbouncer``) is started the same way by :func:`start_pgbouncer`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.databases import server_url

PACKAGE_HINT = "apt-get install postgresql (Debian's PostgreSQL tools)"


def bindir() -> Path | None:
    """Where ``initdb``, ``pg_ctl`` and ``pg_basebackup`` are, or None."""
    if os.environ.get("PG_BINDIR"):
        candidates = [Path(os.environ["PG_BINDIR"])]
    else:
        candidates = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
            reverse=True,
        )
    for path in candidates:
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return path
    return None


def missing(what: str) -> None:
    """Skip on a SQLite run; fail on a PostgreSQL run, which must run these tests, and in CI
    (``POINTSMART_REQUIRE_SYSTEM_PACKAGES``)."""
    reason = f"{what}: the standby and PgBouncer tests need it"
    if server_url() is not None or os.environ.get("POINTSMART_REQUIRE_SYSTEM_PACKAGES"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresPair:
    """A primary and its hot standby, both on 127.0.0.1, owned by ``user``."""

    def __init__(self, tools: Path, base: Path, user: str | None) -> None:
        self.tools = tools
        self.base = base
        self.user = user  # run the tools as this user (when the tests run as root)
        self.primary_port = free_port()
        self.standby_port = free_port()
        self.primary_dir = base / "primary"
        self.standby_dir = base / "standby"

    # --- running the tools ---------------------------------------------------------------

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.tools / tool), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(
            command, cwd=self.base, capture_output=True, text=True, check=check, timeout=120
        )

    def _configure(self, data_dir: Path, port: int) -> None:
        settings = f"""
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{self.base}'
fsync = off
max_connections = 200
hot_standby = on
wal_receiver_status_interval = 1s
"""
        with (data_dir / "postgresql.conf").open("a") as file:
            file.write(settings)

    def start(self) -> None:
        self.run(
            "initdb",
            "-D",
            str(self.primary_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self._configure(self.primary_dir, self.primary_port)
        self.pg_ctl("start", self.primary_dir)
        self.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary_port),
            "-U",
            "postgres",
            "-D",
            str(self.standby_dir),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        with (self.standby_dir / "postgresql.conf").open("a") as file:
            file.write(f"\nport = {self.standby_port}\n")
        self.start_standby()

    def pg_ctl(self, action: str, data_dir: Path, *extra: str) -> None:
        log = self.base / f"{data_dir.name}.log"
        self.run("pg_ctl", action, "-D", str(data_dir), "-l", str(log), "-w", *extra)

    def start_standby(self) -> None:
        self.pg_ctl("start", self.standby_dir)
        self.wait_until_streaming()

    def stop_standby(self) -> None:
        """Stop the standby as an operator would for maintenance: sessions end at once."""
        self.pg_ctl("stop", self.standby_dir, "-m", "fast")

    def stop(self) -> None:
        for data_dir in (self.standby_dir, self.primary_dir):
            if (data_dir / "postmaster.pid").exists():
                self.run(
                    "pg_ctl", "stop", "-D", str(data_dir), "-m", "immediate", "-w", check=False
                )

    # --- connecting ----------------------------------------------------------------------

    def url(self, port: int, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"

    def primary_url(self, database: str = "postgres") -> str:
        return self.url(self.primary_port, database)

    def standby_url(self, database: str = "postgres") -> str:
        return self.url(self.standby_port, database)

    def sql(self, port: int, statement: str):
        """One statement in its own connection (superuser, autocommit); its first value."""
        engine = sa.create_engine(
            self.url(port), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        try:
            with engine.connect() as connection:
                result = connection.exec_driver_sql(statement)
                return result.scalar() if result.returns_rows else None
        finally:
            engine.dispose()

    def create_database(self) -> str:
        """A new database on the primary, once the standby has it too; its name."""
        name = f"pointsmart_pair_{uuid.uuid4().hex[:12]}"
        self.sql(self.primary_port, f'CREATE DATABASE "{name}"')
        self.wait_replayed()
        return name

    # --- replication ---------------------------------------------------------------------

    def wait_until_streaming(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(sa.exc.OperationalError):
                if self.sql(self.standby_port, "SELECT count(*) FROM pg_stat_wal_receiver"):
                    return
            time.sleep(0.1)
        raise TimeoutError("the standby did not start streaming")

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        target = self.sql(self.primary_port, "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            behind = self.sql(
                self.standby_port,
                f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn()) > 0",
            )
            if not behind:
                return
            time.sleep(0.02)
        raise TimeoutError("the standby did not catch up")

    def pause_replay(self) -> None:
        """The standby keeps receiving WAL but applies none of it: it falls behind."""
        self.sql(self.standby_port, "SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.sql(self.standby_port, "SELECT pg_wal_replay_resume()")


def dispose_engines(app) -> None:
    """Close an app's pooled connections: the primary's and the standby's."""
    from pointsmart.extensions import db

    with app.app_context():
        db.engine.dispose()
    replica = app.extensions.get("pointsmart_replica")
    if replica is not None:
        replica.engine.dispose()


def start_pair() -> PostgresPair:
    """Make and start a primary and its standby (skipping or failing without the tools)."""
    tools = bindir()
    if tools is None:
        missing(f"PostgreSQL's initdb, pg_ctl and pg_basebackup are not installed ({PACKAGE_HINT})")
    user = None
    if os.geteuid() == 0:  # initdb refuses root: the clusters belong to postgres
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            missing("running as root, and there is no postgres user to own the clusters")
        if shutil.which("runuser") is None:
            missing("running as root without runuser (util-linux)")
    base = Path(tempfile.mkdtemp(prefix="pointsmart-pair-"))
    if user is not None:
        os.chown(base, user.pw_uid, user.pw_gid)
    pair = PostgresPair(tools, base, user.pw_name if user else None)
    try:
        pair.start()
    except BaseException:
        pair.stop()
        shutil.rmtree(base, ignore_errors=True)
        raise
    return pair


def remove_pair(pair: PostgresPair) -> None:
    pair.stop()
    shutil.rmtree(pair.base, ignore_errors=True)


def start_pgbouncer(
    pair: PostgresPair, databases: dict[str, str], **settings: str | int
) -> tuple[subprocess.Popen, int]:
    """PgBouncer in transaction pooling mode on a free port, in front of the pair.

    ``databases`` maps each name clients use to where it leads on 127.0.0.1, in PgBouncer's
    words (``port=5433 dbname=x pool_size=1``). Pools of two server connections, so that
    clients really take turns on them; ``settings`` adds to (or overrides) the
    ``[pgbouncer]`` section. Returns the process and its port.
    """
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        missing("PgBouncer is not installed (apt-get install pgbouncer)")
    port = free_port()
    folder = pair.base / f"pgbouncer-{port}"
    folder.mkdir()
    lines = [f"{name} = host=127.0.0.1 {where}" for name, where in databases.items()]
    extra = "".join(f"{name} = {value}\n" for name, value in settings.items())
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        + "\n".join(lines)
        + f"""
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "userlist.txt"}
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = {folder / "pgbouncer.log"}
"""
        + extra
    )
    if pair.user:
        shutil.chown(folder, pair.user)
        for file in folder.iterdir():
            shutil.chown(file, pair.user)
    command = [binary, str(folder / "pgbouncer.ini")]
    if pair.user:
        command = ["runuser", "-u", pair.user, "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return process, port
        if process.poll() is not None:
            error = process.stderr.read().decode()
            process.stderr.close()
            raise RuntimeError(f"pgbouncer exited: {error}")
        time.sleep(0.05)
    stop_pgbouncer(process)
    raise TimeoutError("pgbouncer did not start")


def stop_pgbouncer(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    if process.stderr is not None:
        process.stderr.close()
