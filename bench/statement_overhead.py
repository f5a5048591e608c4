"""What SQLAlchemy's execution layer costs a statement, against the driver called directly.

    .venv/bin/python bench/statement_overhead.py [--statements 20000]

On a throwaway SQLite file with the app's connection settings (WAL, the writers' queue): one
indexed SELECT of a row by primary key and one UPDATE of it by primary key, each prebuilt
once, executed through ``Connection.execute`` (SQLAlchemy Core, compiled cache warm), through
``pointsmart.database.DriverStatement`` (what the hot paths use: the compiled SQL on the
driver's cursor, with type processing and named rows) and through the DBAPI cursor with the
SQL that SQLAlchemy compiled. Prints microseconds a statement and the ratios. A sale runs 17
such statements inside SQLite's write lock (see docs/benchmarks.md); nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from pointsmart.config import engine_options
from pointsmart.database import DriverStatement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=20_000)
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp()}/overhead.db"
    engine = sa.create_engine(url, **engine_options(url))
    metadata = sa.MetaData()
    table = sa.Table(
        "rows",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("balance", sa.Integer, nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
    )
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"balance": n, "code": f"h:{n}"} for n in range(1000)])
    select = sa.select(table.c.balance, table.c.code).where(table.c.id == sa.bindparam("row"))
    update = (
        table.update().where(table.c.id == sa.bindparam("row")).values(balance=sa.bindparam("b"))
    )
    n = args.statements

    with engine.begin() as connection:
        raw = connection.connection.dbapi_connection
        select_sql = str(select.compile(dialect=engine.dialect))
        update_sql = str(update.compile(dialect=engine.dialect))
        for _ in range(200):  # warm the compiled cache and the page cache
            connection.execute(select, {"row": 1}).one()
            raw.execute(select_sql, (1,)).fetchone()
        timings = {}
        started = time.perf_counter()
        for i in range(n):
            connection.execute(select, {"row": i % 1000 + 1}).one()
        timings["SELECT, SQLAlchemy Core"] = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(n):
            raw.execute(select_sql, (i % 1000 + 1,)).fetchone()
        timings["SELECT, the driver"] = time.perf_counter() - started
        driver_select = DriverStatement(select)
        started = time.perf_counter()
        for i in range(n):
            driver_select.rows(connection, {"row": i % 1000 + 1})
        timings["SELECT, DriverStatement"] = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(n):
            connection.execute(update, {"row": i % 1000 + 1, "b": i})
        timings["UPDATE, SQLAlchemy Core"] = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(n):
            raw.execute(update_sql, (i, i % 1000 + 1))
        timings["UPDATE, the driver"] = time.perf_counter() - started
        driver_update = DriverStatement(update)
        started = time.perf_counter()
        for i in range(n):
            driver_update.execute(connection, {"row": i % 1000 + 1, "b": i})
        timings["UPDATE, DriverStatement"] = time.perf_counter() - started
    engine.dispose()

    for name, seconds in timings.items():
        print(f"{name:<26} {seconds / n * 1e6:7.1f} us a statement")
    for kind in ("SELECT", "UPDATE"):
        driver = timings[f"{kind}, the driver"]
        for way in ("SQLAlchemy Core", "DriverStatement"):
            print(f"{kind}: {way} / driver = {timings[f'{kind}, {way}'] / driver:.1f}")


if __name__ == "__main__":
    main()
