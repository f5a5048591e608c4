"""Read paths as the ledger grows: balance, household page and leaderboards, median times.

    .venv/bin/python bench/read_paths.py --database URL [--against URL] [--village ID]
        [--repeat 200] [--only TEXT ...] [--pragma NAME=VALUE ...] [--statements] [--cold]

Run it against a database made by ``bench/synthetic.py`` (issue 5: 1,000 households and
1,000,000 transfers; issue 7: the same village shape with 10,000 and with 10,000,000
transfers, both made with ``--months 10 --cover-months`` so they cover the same
household-months). Each figure is the median of ``--repeat`` calls, rotating over 50 households,
in one process: the service functions directly, and the HTTP routes through Flask's test
client (the whole request: authentication, the query, the JSON or the page; no network).
Prints one line per figure; nothing is asserted.

``--against URL`` compares two databases (say 10,000 and 10,000,000 transfers) in one
process: each figure is timed on both alternately, call by call (which goes first swaps every
call), so that a busy moment of a shared machine slows both sides alike; it prints both
medians and their ratio B/A. ``--against-pragma`` gives the ``--against`` side its own
PRAGMAs instead of ``--pragma``'s (``NONE``: the app's settings only), so the same file
against itself measures a setting: ``--database F --against F --against-pragma
mmap_size=268435456``. On the shared 2-core machine the median of one figure moved by up
to 65% between separate runs of the same database; the alternation is what makes a ratio
of 1.2 measurable.

``--only`` keeps the figures whose name contains one of the given texts. ``--pragma`` runs
``PRAGMA NAME=VALUE`` on every SQLite connection after the app's own settings (a local
experiment with ``cache_size`` or ``mmap_size``; the app is unchanged); the header line shows
the page size, cache size and mmap size in effect. ``--statements`` follows each figure with
its SQL statements: how many a call runs and the mean time of each per call (the driver's
execute and fetch, from SQLAlchemy's cursor events; a separate pass of ``--repeat`` calls, so
the timing pass is not slowed by it), to see which statement grows with the ledger.
``--cold`` closes the pooled connections before each timed call, so every call opens a new
connection with an empty SQLite page cache (the operating system's file cache stays warm);
without it the calls share one warm connection, as a running server's workers do.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from flask import Flask

from pointsmart import create_app
from pointsmart.accounts.auth import VILLAGER_TOKEN_KEY, Principal
from pointsmart.accounts.models import ApiToken
from pointsmart.board.leaderboard import leaderboard
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.ledger import queries
from pointsmart.ledger.models import Transfer
from pointsmart.periods import current_period
from pointsmart.villagers.service import my_page
from pointsmart.villages.models import Village


def median_ms(call, repeat: int, cold: bool = False) -> float:
    call()  # warm the caches and the statement cache once
    times = []
    for index in range(repeat):
        if cold:
            db.session.close()
            db.engine.dispose()
        started = time.perf_counter()
        call(index)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


class StatementTimes:
    """Wall time of each SQL statement, summed by statement text, while ``active``."""

    def __init__(self, engine: sa.Engine):
        self.active = False
        self.seconds: dict[str, float] = collections.defaultdict(float)
        self.counts: collections.Counter[str] = collections.Counter()
        sa.event.listen(engine, "before_cursor_execute", self.before)
        sa.event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(self, conn, cursor, statement, parameters, context, executemany):
        started = conn.info["bench_started"].pop()
        if self.active:
            # SQLite steps the statement as rows are fetched: include the fetch of the rows.
            key = " ".join(statement.split())
            self.seconds[key] += time.perf_counter() - started
            self.counts[key] += 1

    def report(self, call, repeat: int) -> list[str]:
        self.seconds.clear()
        self.counts.clear()
        self.active = True
        try:
            for index in range(repeat):
                call(index)
        finally:
            self.active = False
        lines = []
        for key, seconds in sorted(self.seconds.items(), key=lambda item: -item[1]):
            text = key if len(key) <= 110 else key[:107] + "..."
            per_call = self.counts[key] / repeat
            lines.append(f"      {seconds / repeat * 1e6:8.1f} us  x{per_call:<4g} {text}")
        return lines


def token_for(**holder) -> str:
    token = secrets.token_urlsafe(24)
    db.session.add(
        ApiToken(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=utcnow() + dt.timedelta(hours=2),
            **holder,
        )
    )
    db.session.commit()
    return token


def prepare(url: str, args: argparse.Namespace, pragmas: list[str]) -> tuple[Flask, str, dict]:
    """The app on one database, its header line and its figures (callables of the index)."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        if pragmas:

            def run_pragmas(dbapi_connection, connection_record):
                for pragma in pragmas:
                    dbapi_connection.execute(f"PRAGMA {pragma}")

            sa.event.listen(db.engine, "connect", run_pragmas)
            db.session.close()
            db.engine.dispose()
        village_id = (
            args.village
            or db.session.execute(
                sa.select(Transfer.village_id)
                .group_by(Transfer.village_id)
                .order_by(sa.func.count().desc())
                .limit(1)
            ).scalar_one()
        )
        village = db.session.get(Village, village_id)
        period = current_period(village.timezone)
        households = list(
            db.session.execute(
                sa.select(Household.id)
                .where(Household.village_id == village_id)
                .order_by(Household.id)
                .limit(50)
            ).scalars()
        )
        transfers = db.session.execute(
            sa.select(sa.func.max(Transfer.seq)).where(Transfer.village_id == village_id)
        ).scalar_one()
        from pointsmart.accounts.service import create_user

        admin = create_user(
            f"bench{secrets.token_hex(4)}",
            secrets.token_hex(12),
            role="admin",
            village_id=village_id,
        )
        db.session.commit()
        admin_token = token_for(user_id=admin.id)
        villager_tokens = [token_for(household_id=h) for h in households]
        db.session.rollback()
        settings = ""
        if db.engine.dialect.name == "sqlite":
            settings = ", ".join(
                f"{name} {db.session.execute(sa.text(f'PRAGMA {name}')).scalar_one()}"
                for name in ("page_size", "cache_size", "mmap_size")
            )
            settings = f" ({settings})"
            db.session.rollback()
    header = (
        f"database: {url.split(':')[0]}{settings}, village {village_id}: "
        f"{len(households)} households sampled, {transfers:,} transfers, period {period}"
    )

    def pick(index: int | None) -> int:
        return (index or 0) % len(households)

    def service(call):
        def run(index=None):
            call(index)
            db.session.rollback()

        return run

    figures = {
        "balance read (service)": service(
            lambda i: queries.household_balance(village_id, households[pick(i)])
        ),
        "household summary: balance, month, rank (service)": service(
            lambda i: queries.household_summary(village_id, households[pick(i)], period)
        ),
        "household page data (villagers.service.my_page)": service(
            lambda i: my_page(
                Principal(household_id=households[pick(i)], household_village_id=village_id)
            )
        ),
        "month leaderboard, village (service)": service(
            lambda i: leaderboard(village_id, period=period)
        ),
        "year leaderboard, village (service)": service(
            lambda i: leaderboard(village_id, period=period[:4])
        ),
    }
    client = app.test_client()
    admin_auth = {"Authorization": f"Bearer {admin_token}"}

    def http(path_of, headers_of, *, page=False):
        def run(index=None):
            i = pick(index)
            if page:
                with client.session_transaction() as session:
                    session[VILLAGER_TOKEN_KEY] = villager_tokens[i]
            response = client.get(path_of(i), headers=headers_of(i))
            assert response.status_code == 200, (response.status_code, response.data[:300])

        return run

    def villager_auth(i: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {villager_tokens[i]}"}

    figures |= {
        "GET /api/v1/households/{id} (villager token)": http(
            lambda i: f"/api/v1/households/{households[i]}", villager_auth
        ),
        "GET /api/v1/households/{id}/transfers (villager)": http(
            lambda i: f"/api/v1/households/{households[i]}/transfers", villager_auth
        ),
        "GET /me, the household page (villager session)": http(
            lambda i: "/me", lambda i: {}, page=True
        ),
        "GET /api/v1/villages/{id}/leaderboard (month)": http(
            lambda i: f"/api/v1/villages/{village_id}/leaderboard?period={period}",
            lambda i: admin_auth,
        ),
        "GET /api/v1/villages/{id}/leaderboard (year)": http(
            lambda i: f"/api/v1/villages/{village_id}/leaderboard?period={period[:4]}",
            lambda i: admin_auth,
        ),
    }
    figures = {
        name: call
        for name, call in figures.items()
        if not args.only or any(text in name for text in args.only)
    }
    return app, header, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument(
        "--against",
        default=None,
        metavar="URL",
        help="a second database: time each figure on both, call by call, and print the ratio",
    )
    parser.add_argument("--village", type=int, default=None, help="default: the biggest")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--only", action="append", default=[], help="only figures whose name contains this"
    )
    parser.add_argument(
        "--pragma",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PRAGMA run on every SQLite connection (e.g. cache_size=-65536)",
    )
    parser.add_argument(
        "--against-pragma",
        action="append",
        default=None,
        metavar="NAME=VALUE",
        help="the PRAGMAs of the --against side instead of --pragma's (NONE: none)",
    )
    parser.add_argument(
        "--statements", action="store_true", help="each figure's SQL statements and their times"
    )
    parser.add_argument(
        "--cold", action="store_true", help="a new connection (empty page cache) for each call"
    )
    args = parser.parse_args()
    if args.against and args.statements:
        parser.error("--statements times one database: leave out --against")
    os.environ.setdefault("POINTSMART_ENV", "testing")
    app, header, figures = prepare(args.database, args, args.pragma)
    if args.against:
        against_pragmas = args.pragma
        if args.against_pragma is not None:
            against_pragmas = [p for p in args.against_pragma if p.upper() != "NONE"]
        compare(app, header, figures, *prepare(args.against, args, against_pragmas), args)
        return
    with app.app_context():
        statements = StatementTimes(db.engine) if args.statements else None
        print(header)
        for name, call in figures.items():
            print(f"  {median_ms(call, args.repeat, args.cold):7.2f} ms  {name}", flush=True)
            if statements is not None:
                print("\n".join(statements.report(call, args.repeat)), flush=True)


def compare(app, header, figures, other_app, other_header, other_figures, args) -> None:
    """Each figure on both databases, alternating call by call (the order swapped every call),
    so a busy moment of the machine slows both alike; medians and their ratio."""
    print(f"A {header}\nB {other_header}")
    print(f"  {'A (ms)':>8} {'B (ms)':>8} {'B/A':>6}")
    sides = ((app, figures), (other_app, other_figures))
    for name in figures:
        times: tuple[list[float], list[float]] = ([], [])
        for each_app, each_figures in sides:
            with each_app.app_context():
                each_figures[name]()  # warm the caches and the statement cache once
        for index in range(args.repeat):
            order = (0, 1) if index % 2 == 0 else (1, 0)
            for side in order:
                each_app, each_figures = sides[side]
                with each_app.app_context():
                    if args.cold:
                        db.session.close()
                        db.engine.dispose()
                    started = time.perf_counter()
                    each_figures[name](index)
                    times[side].append(time.perf_counter() - started)
        a, b = (statistics.median(t) * 1000 for t in times)
        print(f"  {a:8.2f} {b:8.2f} {b / a:6.2f}  {name}", flush=True)


if __name__ == "__main__":
    main()
