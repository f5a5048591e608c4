"""What a balance read and a sale are made of, part by part, timed in one process.

    .venv/bin/python bench/request_parts.py [--database URL] [--repeat 2000]

The same fixture as ``bench/http_wrk.py`` (a throwaway SQLite file unless ``--database``).

* **The read** (``GET /api/v1/households/{id}``): the session's transaction (begin and
  commit), the caller's token, the household answer (its two statements), the marshmallow
  answer, and the whole request through the WSGI app against the bare endpoint's.
* **The sale's SQL** (SQLite only): the floor's sale (``bench/floor_wsgi.py``: the app's own
  statements on the ``sqlite3`` driver, no framework) with each statement of its write
  transaction timed (the two balances are one ``executemany``), its commit and the whole
  transaction, beside an ``fsync`` of a file on the same disk: how long a sale must hold
  SQLite's write lock at the least.

Prints the median of ``--repeat`` calls in microseconds of elapsed time, one thread, so CPU
time but for the commit's wait on the disk. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_wrk import prepare, production_settings  # noqa: E402


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def show(label: str, microseconds: float) -> None:
    print(f"  {label:<40} {microseconds:8.1f}")


def timed(call, repeat: int) -> float:
    samples = []
    for n in range(repeat):
        started = time.perf_counter()
        call(n)
        samples.append(time.perf_counter() - started)
    return median_us(samples)


def read_parts(fixture: dict, repeat: int) -> None:
    from werkzeug.test import EnvironBuilder

    from bench.bench_wsgi import app
    from pointsmart.accounts.service import principal_for_token
    from pointsmart.database import mark_read_only, session_connection
    from pointsmart.extensions import db
    from pointsmart.villages import service
    from pointsmart.villages.schemas import HouseholdOut

    households = fixture["households"]
    token = fixture["admin_token"]
    with app.test_request_context("/", headers={"Authorization": f"Bearer {token}"}):
        mark_read_only(True)

        def transaction(n):
            session_connection(db.session)
            db.session.commit()

        print("the read, part by part (median us):")
        show("session transaction, begin and commit", timed(transaction, repeat))
        principal = principal_for_token(token)
        show("the caller's token", timed(lambda n: principal_for_token(token), repeat))
        answer = lambda n: service.household_answer(principal, households[n % 50])  # noqa: E731
        show("the household answer (two statements)", timed(answer, repeat))
        schema, data = HouseholdOut(), service.household_answer(principal, households[0])
        show("the marshmallow answer", timed(lambda n: schema.dump(data), repeat))
        db.session.commit()

    def request(path: str, headers: dict):
        environ = EnvironBuilder(path=path, headers=headers).get_environ()

        def call(n):
            body = app(dict(environ), lambda status, headers, exc_info=None: None)
            b"".join(body)
            body.close()

        return call

    auth = {"Authorization": f"Bearer {token}"}
    read = timed(request(f"/api/v1/households/{households[0]}", auth), repeat)
    bare = timed(request("/bench/bare", {}), repeat)
    show("whole read through the WSGI app", read)
    show("whole bare request through the WSGI app", bare)
    show("the read's own part", read - bare)


def sale_parts(url: str, fixture: dict, repeat: int) -> None:
    os.environ["FLOOR_DATABASE"] = url.removeprefix("sqlite:///")
    from bench import floor_wsgi

    times: dict[str, list[float]] = defaultdict(list)
    names = {
        id(sql): name for name, sql in vars(floor_wsgi).items() if isinstance(sql, floor_wsgi.Sql)
    }
    plain_run, plain_run_many = floor_wsgi.run, floor_wsgi.run_many

    def timed_call(call):
        def run(db, sql, values):
            started = time.perf_counter()
            rows = call(db, sql, values)
            times[names[id(sql)]].append(time.perf_counter() - started)
            return rows

        return run

    floor_wsgi.run, floor_wsgi.run_many = timed_call(plain_run), timed_call(plain_run_many)
    db = floor_wsgi.connection()
    keeper = fixture["keeper_token"]
    token_hash = hashlib.sha256(keeper.encode()).hexdigest()
    (caller,) = {row[0] for row in plain_run(db, floor_wsgi.PRINCIPAL, {"token_hash": token_hash})}
    run_id = time.time_ns()
    for n in range(repeat):
        body = {
            "household_id": fixture["households"][n % 50],
            "shop_id": fixture["shop"],
            "items": [{"product_id": fixture["product"], "quantity": 1}],
        }
        db.enter_writer_queue()
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        answer = floor_wsgi._sell(db, token_hash, caller, f"parts-{run_id}-{n}", body)
        assert answer is not None
        committing = time.perf_counter()
        db.commit()
        ended = time.perf_counter()
        times["commit"].append(ended - committing)
        times["whole write transaction"].append(ended - started)

    with tempfile.NamedTemporaryFile(dir=Path(os.environ["FLOOR_DATABASE"]).parent) as probe:
        fsyncs = []
        for _ in range(repeat):
            probe.write(b"x" * 4096)
            probe.flush()
            started = time.perf_counter()
            os.fsync(probe.fileno())
            fsyncs.append(time.perf_counter() - started)
    statements = sum(
        median_us(v) for k, v in times.items() if k not in ("commit", "whole write transaction")
    )
    print(f"the sale's SQL on the driver, {repeat} sales (median us):")
    for name, samples in times.items():
        print(f"  {name:<26} {median_us(samples):8.1f}  ({len(samples) // repeat} a sale)")
    print(f"  the statements' medians    {statements:8.1f}  (added up)")
    print(f"  fsync of a 4 KiB write     {median_us(fsyncs):8.1f}  (the same disk)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/parts.db"
    fixture = prepare(url)
    os.environ.update(production_settings(url))
    read_parts(fixture, args.repeat)
    if url.startswith("sqlite:///"):
        sale_parts(url, fixture, args.repeat)


if __name__ == "__main__":
    main()
