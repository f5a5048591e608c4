"""County soak: many villages on a PostgreSQL primary and its hot standby, several app
processes behind PgBouncer, mixed load for a while with the standby stopped in the middle,
then the ledger and the once-only checks.

    .venv/bin/python bench/county_soak.py [--townships 4 --villages 20 --households 300]
        [--transfers 400000] [--scenes 4 --writers 3 --readers 8 --servers 2 --workers 2]
        [--seconds 120 --standby-down 40 --standby-for 60] [--no-pgbouncer] [--json FILE]

What it builds, all on 127.0.0.1 and removed at the end:

* a primary and a streaming hot standby (``tests/postgres_pair.py``: ``initdb``,
  ``pg_basebackup -R``), and PgBouncer in transaction pooling mode before each;
* a county of ``--townships`` townships and ``--villages`` villages of ``--households``
  households, ``--transfers`` chained transfers in all (``bench/synthetic.py``'s county
  loader: COPY, hashed and chained as the ledger would), whose boards, leaderboards, TVs,
  histories and the county's dashboard are read;
* ``--scenes`` villages of the bank test (``tests/load/bank.py``: 20 households, a shop with
  goods, a rule) where ``--writers`` clients each sell at the counter, award, deduct, void,
  reverse, score in batches, stock in, replay keys and reuse them;
* ``--servers`` granian servers (``wsgi:app``, ``--workers`` each) on the primary and standby.

``--readers`` clients read what villagers, the service hall and the county read: the TV
page, the leaderboard page, the board API, households' histories and the county dashboard.
At ``--standby-down`` seconds the standby stops (``pg_ctl stop -m fast``) for
``--standby-for`` seconds, then starts again.

It reports throughput and p50/p99 per kind of request, before, during and after the standby's
absence, the standby's lag (sampled each second), how many transactions the standby served,
and the checks: every answer below 500, every acknowledged operation in the ledger once and
nothing else (``tests/load/checks.py``), balances equal to their histories and to the answers,
stock equal to its moves, and ``flask ledger verify`` clean for every village.

A benchmark tool only: nothing in the app or the test suite imports it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import flask_migrate
import sqlalchemy as sa
import synthetic

from pointsmart import create_app
from pointsmart.extensions import db
from pointsmart.households.models import Household
from tests.factories import Factories
from tests.load import bank, checks
from tests.load.server import NETWORK_ERRORS, Server, request
from tests.postgres_pair import remove_pair, start_pair, start_pgbouncer, stop_pgbouncer


class Timings:
    """Latencies per (phase, kind), and failures, from every client thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.failures: list[str] = []
        self.phase = "before"

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.samples[self.phase, kind].append(seconds)

    def fail(self, text: str) -> None:
        with self.lock:
            self.failures.append(f"[{self.phase}] {text}")


class TimedClient(bank.Client):
    """A bank client whose every request is timed (the answer checks stay the bank's)."""

    timings: Timings

    def send(self, op: bank.Op) -> None:
        started = time.perf_counter()
        super().send(op)
        self.timings.add(f"write:{op.kind}", time.perf_counter() - started)
        if op.status is None or op.status >= 500:
            self.timings.fail(f"{op.kind} {op.key}: {op.status} {op.answer}")


def writer(client: TimedClient, deadline: float) -> None:
    while time.monotonic() < deadline:
        client.run(1)


def reader(
    address: str,
    villages: list[int],
    histories: list[int],
    county: int,
    auth: dict[str, str],
    timings: Timings,
    deadline: float,
    seed: int,
) -> None:
    """A villager's phone, a service hall's TV, a dashboard: GETs only."""
    rng = random.Random(seed)
    kinds = {
        "read:tv": lambda: f"/tv/{rng.choice(villages)}",
        "read:leaderboard": lambda: f"/board/{rng.choice(villages)}/leaderboard",
        "read:board_api": lambda: f"/api/v1/villages/{rng.choice(villages)}/board",
        "read:history": lambda: f"/api/v1/households/{rng.choice(histories)}/transfers?limit=20",
        "read:dashboard": lambda: f"/api/v1/regions/{county}/dashboard",
    }
    names = list(kinds)
    weights = [2, 3, 2, 5, 1]
    while time.monotonic() < deadline:
        kind = rng.choices(names, weights)[0]
        path = kinds[kind]()
        started = time.perf_counter()
        try:
            status, _, answer = request(address, "GET", path, headers=auth, timeout=30)
        except NETWORK_ERRORS as error:
            timings.fail(f"GET {path}: {error!r}")
            continue
        timings.add(kind, time.perf_counter() - started)
        if status != 200:
            timings.fail(f"GET {path}: {status} {str(answer)[:200]}")


def standby_transactions(pair, database: str) -> int | None:
    try:
        return pair.sql(
            pair.standby_port,
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            f"WHERE datname = '{database}'",
        )
    except sa.exc.OperationalError:
        return None


def sample_lag(pair, lags: list[tuple[float, float | None]], stop: threading.Event, t0) -> None:
    """The standby's replay lag each second, as the app computes it (None: down)."""
    while not stop.wait(1.0):
        try:
            lag = pair.sql(
                pair.standby_port,
                "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END",
            )
            lags.append((time.monotonic() - t0, float(lag)))
        except sa.exc.OperationalError:
            lags.append((time.monotonic() - t0, None))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(timings: Timings, durations: dict[str, float]) -> list[dict]:
    rows = []
    for (phase, kind), values in sorted(timings.samples.items()):
        seconds = durations.get(phase) or 1
        rows.append(
            {
                "phase": phase,
                "kind": kind,
                "count": len(values),
                "per_second": round(len(values) / seconds, 1),
                "p50_ms": round(statistics.median(values) * 1000, 1),
                "p99_ms": round(percentile(values, 0.99) * 1000, 1),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--townships", type=int, default=4)
    parser.add_argument("--villages", type=int, default=20)
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--transfers", type=int, default=400_000, help="in all")
    parser.add_argument("--scenes", type=int, default=4, help="villages under write load")
    parser.add_argument("--writers", type=int, default=3, help="clients per scene village")
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="granian workers per server")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--standby-down", type=float, default=40, help="stop it at this second")
    parser.add_argument("--standby-for", type=float, default=60, help="and for this long")
    parser.add_argument("--no-pgbouncer", action="store_true")
    parser.add_argument("--pool-size", type=int, default=8, help="PgBouncer's per database")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()
    os.environ.setdefault("POINTSMART_ENV", "testing")

    pair = start_pair()
    servers: list[Server] = []
    bouncer = standby_bouncer = None
    report: dict = {"settings": vars(args)}
    try:
        database = pair.create_database()
        primary_direct = pair.primary_url(database)
        if args.no_pgbouncer:
            primary, standby = primary_direct, pair.standby_url(database)
        else:
            # One PgBouncer before each cluster, as docs/deploy.md draws them. The standby's
            # hands a query it cannot place within 2 s back as an error (the app then reads
            # the primary) and tries a stopped standby again each second.
            pool = f"pool_size={args.pool_size}"
            bouncer, port = start_pgbouncer(pair, {database: f"port={pair.primary_port} {pool}"})
            standby_bouncer, standby_port = start_pgbouncer(
                pair,
                {database: f"port={pair.standby_port} {pool}"},
                query_wait_timeout=2,
                server_login_retry=1,
            )
            primary = f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"
            standby = f"postgresql+psycopg://postgres@127.0.0.1:{standby_port}/{database}"
            os.environ["PGBOUNCER"] = "1"
        os.environ["DATABASE_REPLICA_URL"] = standby

        # --- the county's data ---------------------------------------------------------------
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": primary_direct, "SECRET_KEY": "bench", "TESTING": True}
        )
        started = time.perf_counter()
        with app.app_context():
            flask_migrate.upgrade()
            county = synthetic.load_county(
                argparse.Namespace(
                    townships=args.townships,
                    villages=args.villages,
                    households=args.households,
                    transfers=args.transfers,
                    months=12,
                    grids=10,
                    seed=args.seed,
                    cover_months=False,
                ),
                "合成县",
            )
            db.session.commit()
            villages = county["villages"]
            histories = list(
                db.session.execute(
                    sa.select(Household.id).where(
                        Household.village_id.in_(villages), Household.number <= "00020"
                    )
                ).scalars()
            )
            county_admin = Factories().staff("admin")  # every village and region
            db.session.commit()
        scenes = [bank.build_scene(app) for _ in range(args.scenes)]
        with app.app_context():
            total = db.session.execute(sa.text("SELECT count(*) FROM transfers")).scalar()
        report["data"] = {
            "villages": args.villages + args.scenes,
            "townships": args.townships,
            "households": args.villages * args.households + args.scenes * bank.HOUSEHOLDS,
            "transfers": total,
            "load_seconds": round(time.perf_counter() - started, 1),
        }
        print(f"data: {report['data']}", flush=True)
        pair.wait_replayed(timeout=600)

        # --- the app processes -----------------------------------------------------------------
        logs = Path(pair.base) / "servers"
        logs.mkdir()
        for index in range(args.servers):
            server = Server(primary, logs / f"server-{index}.log")
            server.workers = args.workers
            server.start()
            servers.append(server)

        # --- the load ----------------------------------------------------------------------------
        timings = Timings()
        scene_logs = [bank.Log() for _ in scenes]
        t0 = time.monotonic()
        deadline = t0 + args.seconds
        threads = []
        number = 0
        for scene, log in zip(scenes, scene_logs, strict=True):
            for _ in range(args.writers):
                address = servers[number % len(servers)].address
                client = TimedClient(number, scene, address, log, args.seed, retry=False)
                client.timings = timings
                threads.append(threading.Thread(target=writer, args=(client, deadline)))
                number += 1
        read_villages = villages + [scene.village_id for scene in scenes]
        for index in range(args.readers):
            address = servers[index % len(servers)].address
            threads.append(
                threading.Thread(
                    target=reader,
                    args=(
                        address,
                        read_villages,
                        histories,
                        county["county"],
                        county_admin.auth,
                        timings,
                        deadline,
                        args.seed * 100 + index,
                    ),
                )
            )
        lags: list[tuple[float, float | None]] = []
        stop_sampling = threading.Event()
        sampler = threading.Thread(target=sample_lag, args=(pair, lags, stop_sampling, t0))
        served = {"start": standby_transactions(pair, database)}
        for thread in threads:
            thread.start()
        sampler.start()

        durations: dict[str, float] = {}
        time.sleep(max(0.0, t0 + args.standby_down - time.monotonic()))
        served["before_stop"] = standby_transactions(pair, database)
        down_at = time.monotonic()
        durations["before"] = down_at - t0
        timings.phase = "standby down"
        pair.stop_standby()
        time.sleep(max(0.0, down_at + args.standby_for - time.monotonic()))
        pair.start_standby()
        up_at = time.monotonic()
        durations["standby down"] = up_at - down_at
        timings.phase = "after"
        served["after_start"] = standby_transactions(pair, database)
        for thread in threads:
            thread.join()
        durations["after"] = time.monotonic() - up_at
        served["end"] = standby_transactions(pair, database)
        stop_sampling.set()
        sampler.join()

        # --- afterwards ----------------------------------------------------------------------
        problems = list(timings.failures)
        for scene, log in zip(scenes, scene_logs, strict=True):
            problems += checks.check_everything(app, scene, log, servers[0].address)
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["ledger", "verify"])
            if result.exit_code != 0:
                problems.append(f"flask ledger verify: {result.exit_code} {result.output[-500:]}")
        up_lags = [lag for _, lag in lags if lag is not None]
        report.update(
            {
                "durations": {k: round(v, 1) for k, v in durations.items()},
                "requests": summary(timings, durations),
                "acknowledged_writes": sum(log.acknowledged for log in scene_logs),
                "standby_lag_seconds": {
                    "samples": len(up_lags),
                    "p50": round(statistics.median(up_lags), 3) if up_lags else None,
                    "max": round(max(up_lags), 3) if up_lags else None,
                    "down_samples": sum(1 for _, lag in lags if lag is None),
                },
                "standby_transactions": served,
                "ledger_verify": result.output.strip().splitlines()[-1:] if result.output else [],
                "problems": problems,
            }
        )
    finally:
        for server in servers:
            server.stop()
        for process in (bouncer, standby_bouncer):
            if process is not None:
                stop_pgbouncer(process)
        remove_pair(pair)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1))
    sys.exit(1 if report.get("problems") else 0)


if __name__ == "__main__":
    main()
