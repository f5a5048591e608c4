"""Throwaway databases for the test suite: a SQLite file, or a PostgreSQL database.

``TEST_DATABASE_URL`` names a PostgreSQL server (and a database on it to connect through);
each call to ``create_database`` makes a new, uniquely named database there and
``drop_database`` removes it. Without it, databases are SQLite files in a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import sqlalchemy as sa

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    return url or None


def create_database(tmp_dir: Path) -> str:
    url = server_url()
    if url is None:
        return f"sqlite:///{tmp_dir / f'pointsmart-{uuid.uuid4().hex[:8]}.db'}"
    name = f"pointsmart_test_{uuid.uuid4().hex[:12]}"
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
    name = f"pointsmart_test_{uuid.uuid4().hex[:12]}"
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
