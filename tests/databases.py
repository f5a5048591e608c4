"""Throwaway databases for the test suite: a SQLite file, or a PostgreSQL database.

``TEST_DATABASE_URL`` names a PostgreSQL server (and a database on it to connect through);
each call to ``create_database`` makes a new, uniquely named database there and
``drop_database`` removes it. Without it, databases are SQLite files in a temporary folder.

A run that is killed (a session's time limit, Ctrl-C twice) leaves its PostgreSQL databases
behind. Each name says which process made it and when, so the next run on this machine drops
those whose process is gone and which are older than any run
(:func:`drop_abandoned_databases`).
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PREFIX = "pointsmart_test_"
_NAMED = re.compile(rf"{PREFIX}(?P<pid>\d+)_(?P<made>\d+)_[0-9a-f]+")
# Longer than any whole run of the suite takes (CI allows 20 minutes for everything).
ABANDONED_AFTER_SECONDS = 2 * 3600


def server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    return url or None


def create_database(tmp_dir: Path) -> str:
    url = server_url()
    if url is None:
        return f"sqlite:///{tmp_dir / f'pointsmart-{uuid.uuid4().hex[:8]}.db'}"
    name = new_name()
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.make_url(url).set(database=name).render_as_string(hide_password=False)


def copy_database(template_url: str, tmp_dir: Path) -> str:
    """A new database with what ``template_url`` holds (no connection may be open to it): a
    copy of the SQLite file, or a PostgreSQL database made from it as a template."""
    template = sa.make_url(template_url)
    if template.get_backend_name() != "postgresql":
        path = tmp_dir / f"pointsmart-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template.database, path)
        return f"sqlite:///{path}"
    name = new_name()
    admin = sa.create_engine(server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"')
    admin.dispose()
    return template.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    admin.dispose()


def new_name(made_at: float | None = None, pid: int | None = None) -> str:
    """A unique database name that says which process made it, and when."""
    made = int(time.time() if made_at is None else made_at)
    return f"{PREFIX}{os.getpid() if pid is None else pid}_{made}_{uuid.uuid4().hex[:8]}"


def drop_abandoned_databases() -> list[str]:
    """Drop the test databases on this machine's server whose run is over: made by a process
    that no longer runs, longer ago than any run takes. Both, because a process of another
    PID namespace (a container sharing the server) looks gone from here. A server elsewhere
    is left alone: its processes cannot be seen from here. Returns the names dropped."""
    url = server_url()
    if url is None or sa.make_url(url).host not in ("127.0.0.1", "localhost", "::1"):
        return []
    oldest_kept = time.time() - ABANDONED_AFTER_SECONDS
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    dropped = []
    with admin.connect() as connection:
        names = connection.exec_driver_sql(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (PREFIX,)
        ).scalars()
        for name in list(names):
            named = _NAMED.fullmatch(name)
            if named and int(named["made"]) < oldest_kept and not _runs(int(named["pid"])):
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                dropped.append(name)
    admin.dispose()
    return dropped


def _runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
