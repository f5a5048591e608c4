"""Python calls and SQL statements of a sale and a balance read through the whole app.

    .venv/bin/python bench/http_profile.py [--database URL] [--requests 100] [--top 25]
        [--sort cumulative|tottime] [--only bare|sale|read]

The same fixture as ``bench/http_wrk.py`` (a throwaway SQLite file unless ``--database``,
which must name an empty database), the production app (``POINTSMART_ENV=production``
settings, with the bench-only ``GET /bench/bare``), and Flask's test client: each request
goes through every hook, the authentication, the service and the JSON, but no network. For
``--requests`` sales (``POST /api/v1/redemptions``, each with its own Idempotency-Key), balance
reads (``GET /api/v1/households/{id}``) and bare requests it prints the Python function
calls and the SQL statements a request, and with ``--top`` the functions of each by
cumulative time. Then, without the profiler, the CPU time a request and, for the sales, how
long each held its write transaction (from ``BEGIN IMMEDIATE`` to the end of the commit): on
SQLite the part of a sale that two workers cannot do side by side. On a shared machine
compare calls and statements, which do not depend on the load, rather than times. Nothing is
asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_wrk import prepare, production_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative, tottime")
    parser.add_argument("--only", default=None, help="profile only this request: bare, sale, read")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/profile.db"
    fixture = prepare(url)

    os.environ.update(production_settings(url))
    import sqlalchemy as sa

    from bench.bench_wsgi import app
    from pointsmart.extensions import db

    statements = []
    with app.app_context():
        engine = db.engine
    write_lock_held = watch_the_write_transaction(engine)
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    client = app.test_client()
    households = fixture["households"]
    run = f"profile{time.time_ns()}"

    def sale(n: int):
        return client.post(
            "/api/v1/redemptions",
            json={
                "household_id": households[n % len(households)],
                "shop_id": fixture["shop"],
                "items": [{"product_id": fixture["products"][0], "quantity": 1}],
            },
            headers={
                "Authorization": f"Bearer {fixture['keeper_token']}",
                "Idempotency-Key": f"{run}-{n}",
            },
        )

    def read(n: int):
        return client.get(
            f"/api/v1/households/{households[n % len(households)]}",
            headers={"Authorization": f"Bearer {fixture['admin_token']}"},
        )

    def bare(n: int):
        return client.get("/bench/bare")

    for name, call in (("bare", bare), ("sale", sale), ("read", read)):
        if args.only and name != args.only:
            continue
        for n in range(5):  # warm the caches
            response = call(10_000 + n)
            assert response.status_code in (200, 201), (name, response.status_code, response.data)
        statements.clear()
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for n in range(args.requests):
            response = call(n)
        profile.disable()
        elapsed = time.perf_counter() - started
        assert response.status_code in (200, 201), (name, response.status_code, response.data)
        stats = pstats.Stats(profile)
        print(
            f"{name}: {stats.total_calls / args.requests:,.0f} calls, "
            f"{len(statements) / args.requests:.1f} SQL statements, "
            f"{elapsed / args.requests * 1000:.1f} ms a request "
            f"(profiled, {args.requests} requests)"
        )
        if args.top:
            stats.sort_stats(args.sort).print_stats(args.top)
            seen = {}
            for statement in statements[: len(statements) // args.requests]:
                first = " ".join(statement.split())[:150]
                seen[first] = seen.get(first, 0) + 1
            for first, count in seen.items():
                print(f"    {count} x {first}")

    print(f"unprofiled, {args.requests} requests each:")
    for name, call in (("bare", bare), ("sale", sale), ("read", read)):
        write_lock_held.clear()
        cpu = time.process_time()
        for n in range(args.requests):
            call(100_000 + n)
        cpu = (time.process_time() - cpu) / args.requests
        line = f"  {name}: {cpu * 1000:.3f} ms CPU a request"
        if name == "sale" and write_lock_held:
            held = sorted(write_lock_held)
            line += f", write lock held {held[len(held) // 2] * 1000:.3f} ms (median)"
        print(line)


def watch_the_write_transaction(engine) -> list[float]:
    """Seconds from each ``BEGIN IMMEDIATE`` to the end of its commit, one entry a write
    transaction (engine and session events; nothing of the app is replaced)."""
    import sqlalchemy as sa
    from sqlalchemy import orm

    held: list[float] = []
    began: list[float] = []

    def begin(conn, cursor, statement, *args):
        if statement == "BEGIN IMMEDIATE":
            began.append(time.perf_counter())

    def committed(session):
        if began:
            held.append(time.perf_counter() - began.pop())

    def rolled_back(session):
        began.clear()

    sa.event.listen(engine, "before_cursor_execute", begin)
    sa.event.listen(orm.Session, "after_commit", committed)
    sa.event.listen(orm.Session, "after_rollback", rolled_back)
    return held


if __name__ == "__main__":
    main()
