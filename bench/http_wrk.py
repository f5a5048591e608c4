"""Requests per second through gunicorn, measured with wrk: a sale and a balance read
against a bare endpoint of the same app, side by side in one run.

    .venv/bin/python bench/http_wrk.py [--database URL] [--workers 2] [--connections 16]
        [--duration 10] [--rounds 1] [--port 8765] [--floor]

Prepares a village in the database (a throwaway SQLite file unless ``--database``, which
must name an empty database: the test factories' names start again at 1 each run): 50
households with 1,000,000 points each, a shop with 1,000,000 of one product at 1 point, a
shopkeeper and an admin with API tokens. Starts ``gunicorn -w WORKERS bench.bench_wsgi:app``
(the production app plus the bench-only ``GET /bench/bare``, POINTSMART_ENV=production),
then runs wrk against:

* ``GET /bench/bare``: a small JSON, no database;
* ``POST /api/v1/redemptions``: a sale of one item by household id, each request with its
  own Idempotency-Key (a wrk Lua script), as the shopkeeper;
* ``GET /api/v1/households/{id}``: the balance read (balance, month totals, rank), as the
  admin, rotating over the households.

Prints requests/s, p50 and p99 latency, non-2xx responses, the sales the database gained
against the requests sent (they must be equal: a replayed key posts nothing, and a run that
replays measures replays), and the ratios sale/bare and read/bare.

``--floor`` (SQLite only) also serves ``bench/floor_wsgi.py`` with the same gunicorn settings
on the same database (on the next port): a plain Flask ``GET /bare`` and the sale's own SQL on
the driver with no framework, the lower bound of a sale on this machine and disk; it prints
those figures, their ratios, and checks the village's ledger with ``verify`` afterwards.

``--rounds N`` runs the whole set N times in turn (the servers stay up) and gives each ratio as
the median of the rounds' own ratios: this machine's speed drifts by a third within minutes,
and a ratio of two runs a few seconds apart drifts much less.
Needs ``wrk`` (Debian package). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SALE_SCRIPT = """
local households = {%(households)s}
local counter = 0
local threads = 0
-- A global, not a local: setup() sets it in each thread's own Lua state (thread:set), and
-- request() must see that value. As a local it stayed 0 in both threads, so both sent the
-- same keys and about half the "sales" were replays of the other thread's.
thread_number = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function request()
  counter = counter + 1
  local household = households[(counter %% #households) + 1]
  local body = string.format(
    '{"household_id":%%d,"shop_id":%(shop)d,"items":[{"product_id":%(product)d,"quantity":1}]}',
    household)
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer %(token)s",
    ["Idempotency-Key"] = string.format("%(run)s-%%d-%%d", thread_number, counter),
  }, body)
end
"""

READ_SCRIPT = """
local households = {%(households)s}
local counter = 0

function request()
  counter = counter + 1
  local household = households[(counter %% #households) + 1]
  return wrk.format("GET", "/api/v1/households/" .. household, {
    ["Authorization"] = "Bearer %(token)s",
  })
end
"""


def prepare(url: str) -> dict:
    os.environ["POINTSMART_ENV"] = "testing"
    import flask_migrate

    from pointsmart import create_app
    from pointsmart.counter.goods import create_product
    from pointsmart.extensions import db
    from tests.factories import ROOT as ROOT_PRINCIPAL
    from tests.factories import Factories

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        flask_migrate.upgrade()
        make = Factories()
        village = make.village()
        households = [make.household(village, number=f"W{time.time_ns()}-{n}") for n in range(50)]
        for household in households:
            make.award(household, 1_000_000)
        shop = make.shop(village)
        product = create_product(
            ROOT_PRINCIPAL, shop.id, name="肥皂", points_price=1, stock=1_000_000
        )
        keeper = make.staff("shopkeeper", village, shop)
        admin = make.staff("admin", village)
        db.session.commit()
        return {
            "households": [h.id for h in households],
            "shop": shop.id,
            "product": product.id,
            "keeper_token": keeper.token,
            "admin_token": admin.token,
        }


def production_settings(url: str) -> dict[str, str]:
    """The environment the benchmarks run the app in: production settings on ``url``."""
    return {
        "POINTSMART_ENV": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-" + "x" * 40,
        "PUBLIC_BASE_URL": "https://jifen.example.test",
    }


def start_gunicorn(
    url: str, workers: int, port: int, app: str = "bench.bench_wsgi:app", ready: str = "/bench/bare"
) -> subprocess.Popen:
    env = {**os.environ, **production_settings(url)}
    if url.startswith("sqlite:///"):
        env["FLOOR_DATABASE"] = url.removeprefix("sqlite:///")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready}", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def wrk(url: str, connections: int, duration: int, script: str | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
        command += ["-s", handle.name]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1))
    sent = int(re.search(r"([0-9]+) requests in", output).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([0-9.]+[a-z]+)", output, re.MULTILINE))
    bad = re.search(r"Non-2xx or 3xx responses:\s+([0-9]+)", output)
    return {
        "rate": rate,
        "sent": sent,
        "p50": latency.get("50", "?"),
        "p99": latency.get("99", "?"),
        "non_2xx": int(bad.group(1)) if bad else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1, help="alternate the runs this often")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--floor", action="store_true", help="also the no-framework floor")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/wrk.db"
    if args.floor and not url.startswith("sqlite:///"):
        raise SystemExit("--floor runs on SQLite only")
    fixture = prepare(url)
    households = ", ".join(str(h) for h in fixture["households"])
    run = f"wrk{int(time.time())}"

    def sale_script(path: str, label: str) -> str:
        return SALE_SCRIPT % {
            "households": households,
            "shop": fixture["shop"],
            "product": fixture["product"],
            "token": fixture["keeper_token"],
            "run": f"{run}-{label}-{ROUND}",
            "path": path,
        }

    read_script = READ_SCRIPT % {"households": households, "token": fixture["admin_token"]}
    app = f"http://127.0.0.1:{args.port}"
    floor = f"http://127.0.0.1:{args.port + 1}"
    timed = {
        BARE: (f"{app}/bench/bare", None),
        SALE: (f"{app}/", sale_script("/api/v1/redemptions", "app")),
        READ: (f"{app}/", read_script),
    }
    servers = [start_gunicorn(url, args.workers, args.port)]
    if args.floor:
        timed[FLOOR_BARE] = (f"{floor}/bare", None)
        timed[FLOOR_SALE] = (f"{floor}/", sale_script("/sale", "floor"))
        servers.append(
            start_gunicorn(url, args.workers, args.port + 1, "bench.floor_wsgi:app", "/bare")
        )
    rounds: list[dict] = []
    try:
        for number in range(args.rounds):
            rounds.append(measure_round(url, args, timed, number))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)

    print(
        f"database: {url.split(':')[0]}, gunicorn -w {args.workers}, wrk -t2 "
        f"-c{args.connections} -d{args.duration}s, {args.rounds} alternating round(s)"
    )
    for number, results in enumerate(rounds, start=1):
        if args.rounds > 1:
            print(f"round {number}:")
        for name, result in results.items():
            posted = result.get("posted")
            print(
                f"  {name:<34} {result['rate']:8.1f} req/s  p50 {result['p50']:>8}  "
                f"p99 {result['p99']:>8}  non-2xx {result['non_2xx']}"
                + ("" if posted is None else f"  sales posted {posted:,} of {result['sent']:,}")
            )
    print("ratios" + (" (median of the rounds' own ratios)" if args.rounds > 1 else "") + ":")
    for label, (top, bottom) in RATIOS.items():
        if top in timed and bottom in timed:
            ratio = statistics.median(r[top]["rate"] / r[bottom]["rate"] for r in rounds)
            print(f"  {label:<30} {ratio:.2f}")
    if args.floor:
        print(f"  ledger verify after the run: {verify(url)}")


BARE, SALE, READ = "bare GET /bench/bare", "sale POST /redemptions", "read GET /households/{id}"
FLOOR_BARE, FLOOR_SALE = "floor: plain Flask GET /bare", "floor: the sale's SQL, POST /sale"
RATIOS = {
    "sale/bare": (SALE, BARE),
    "read/bare": (READ, BARE),
    "floor sale / app bare": (FLOOR_SALE, BARE),
    "floor sale / plain Flask bare": (FLOOR_SALE, FLOOR_BARE),
    "app sale / floor sale": (SALE, FLOOR_SALE),
    "app read / plain Flask bare": (READ, FLOOR_BARE),
}


ROUND = "ROUND"  # in a sale script's keys: the round's number, so no round replays another's


def measure_round(url: str, args, timed: dict, number: int) -> dict:
    """One wrk run of each of ``timed`` (name: (URL, script)), the sales they posted counted."""
    results = {}
    for name, (target, script) in timed.items():
        script = script and script.replace(ROUND, f"r{number}")
        before = sales_posted(url) if script and "POST" in script else None
        results[name] = wrk(target, args.connections, args.duration, script)
        if before is not None:
            results[name]["posted"] = sales_posted(url) - before
    return results


def sales_posted(url: str) -> int:
    """Sales in the database, counted apart from the servers."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM redemptions")).scalar_one()
    finally:
        engine.dispose()


def verify(url: str) -> str:
    """``flask ledger verify`` of every village, in this process."""
    from pointsmart import create_app
    from pointsmart.ledger.verify import verify_village, village_ids

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        reports = [verify_village(village_id) for village_id in village_ids()]
    checked = sum(report.transfers_checked for report in reports)
    problems = [problem for report in reports for problem in report.problems]
    return f"{checked:,} transfers, " + ("clean" if not problems else "; ".join(problems[:3]))


if __name__ == "__main__":
    main()
