"""Requests per second through the server, measured with wrk: the app's empty route, a sale,
a balance read and a page, each against a plain Flask app's one JSON route under the same
server and workers, side by side in one run; gunicorn and granian alternated round by round.

    .venv/bin/python bench/http_wrk.py [--database URL] [--servers gunicorn,granian]
        [--workers 2] [--connections 16] [--duration 10] [--rounds 3] [--port 8765]
        [--chain-hold] [--products 1]

Prepares a village in the database (a throwaway SQLite file unless ``--database``, which
must name an empty database: the test factories' names start again at 1 each run): 50
households with 1,000,000 points each, a shop with ``--products`` goods (one unless said) of
1,000,000 each at 1 point, which the sales take in turn, a shopkeeper and an admin with API
tokens. For each server in ``--servers`` starts the app
(``bench.bench_wsgi:app``: the production app plus the bench-only ``GET /bench/bare``,
POINTSMART_ENV=production) and the yardstick (``bench.plain_wsgi:app``: plain Flask, one JSON
route) with ``--workers`` worker processes each (gunicorn: sync workers; granian: its WSGI
interface, ``--granian-threads`` blocking threads a worker or its default), then runs wrk
against:

* ``GET /bare`` of the plain Flask app: the yardstick;
* ``GET /bench/bare``: the app's empty route (its hooks, no database);
* ``POST /api/v1/redemptions``: a sale of one item by household id, each request with its
  own Idempotency-Key (a wrk Lua script), as the shopkeeper;
* ``GET /api/v1/households/{id}``: the balance read (balance, month totals, rank), as the
  admin, rotating over the households;
* ``GET /board/{village}``: a public page (the red and black board), rendered in Chinese.

Prints requests/s, p50 and p99 latency, non-2xx responses and, for the sales, the sales the
database gained against the requests sent (they must be equal: a replayed key posts nothing);
for each route how busy the machine's CPUs were and the CPU time a request cost, wrk, the
servers and the database together (from /proc/stat: on a machine whose CPUs are all busy, a
request's speed is bounded by its CPU, whatever it waits on); then each route's ratio to the
yardstick under the same server, and each route's granian / gunicorn ratio. ``--rounds N`` runs
the whole set N times in turn (the servers stay up) and gives each figure as the median of the
rounds: this machine's speed drifts by a third within minutes, and a ratio of two runs a few
seconds apart drifts much less.

``--chain-hold`` has the app's workers log how long each sale held its village's chain head
(``bench_wsgi.log_chain_holds``: from the head's ``SELECT ... FOR UPDATE`` to the end of the
commit) and prints the median and p99 per server; meaningful on PostgreSQL, where the head's
row lock is what a village's postings wait for.

Afterwards ``ledger verify`` checks every village. Needs ``wrk`` (Debian package). Nothing is
asserted.
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
local products = {%(products)s}
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
  local product = products[(counter %% #products) + 1]
  local body = string.format(
    '{"household_id":%%d,"shop_id":%(shop)d,"items":[{"product_id":%%d,"quantity":1}]}',
    household, product)
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


def prepare(url: str, products: int = 1) -> dict:
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
        goods = [
            create_product(
                ROOT_PRINCIPAL, shop.id, name=f"肥皂{n + 1}", points_price=1, stock=1_000_000
            )
            for n in range(products)
        ]
        keeper = make.staff("shopkeeper", village, shop)
        admin = make.staff("admin", village)
        db.session.commit()
        return {
            "households": [h.id for h in households],
            "shop": shop.id,
            "products": [product.id for product in goods],
            "keeper_token": keeper.token,
            "admin_token": admin.token,
            "village": village.id,
        }


def production_settings(url: str) -> dict[str, str]:
    """The environment the benchmarks run the app in: production settings on ``url``."""
    return {
        "POINTSMART_ENV": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-" + "x" * 40,
        "PUBLIC_BASE_URL": "https://jifen.example.test",
        # Production refuses to count sign-in limits per worker: the shared store a
        # deployment has (REDIS_URL in the environment wins).
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
    }


def start_server(
    kind: str,
    url: str,
    workers: int,
    port: int,
    app: str,
    ready: str,
    env: dict | None = None,
    threads: int | None = None,
) -> subprocess.Popen:
    """gunicorn (sync workers) or granian (WSGI, ``threads`` blocking threads a worker, its
    own default if None) serving ``app`` on ``port``, once it answers."""
    env = {**os.environ, **production_settings(url), **(env or {})}
    if kind == "gunicorn":
        command = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers)]
        command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", app]
    elif kind == "granian":
        command = [str(ROOT / ".venv/bin/granian"), "--interface", "wsgi"]
        command += ["--workers", str(workers), "--host", "127.0.0.1", "--port", str(port)]
        if threads:
            command += ["--blocking-threads", str(threads)]
        command += ["--log-level", "warning", app]
    else:
        raise SystemExit(f"unknown server {kind}")
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready}", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"{kind} did not start")


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
    parser.add_argument("--servers", default="gunicorn,granian")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="alternate the runs this often")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--chain-hold", action="store_true", help="log each sale's head hold")
    parser.add_argument("--granian-threads", type=int, default=None, help="blocking threads")
    parser.add_argument("--products", type=int, default=1, help="goods the sales take in turn")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/wrk.db"
    kinds = [kind.strip() for kind in args.servers.split(",") if kind.strip()]
    fixture = prepare(url, args.products)
    households = ", ".join(str(h) for h in fixture["households"])
    run = f"wrk{int(time.time())}"
    logs = Path(tempfile.mkdtemp())

    servers, targets = [], {}
    try:
        for number, kind in enumerate(kinds):
            app_port, plain_port = args.port + 2 * number, args.port + 2 * number + 1
            hold_env = {"BENCH_CHAIN_HOLD_LOG": str(logs / f"{kind}.log")}
            servers.append(
                start_server(
                    kind,
                    url,
                    args.workers,
                    app_port,
                    "bench.bench_wsgi:app",
                    "/bench/bare",
                    hold_env if args.chain_hold else None,
                    args.granian_threads,
                )
            )
            servers.append(
                start_server(
                    kind,
                    url,
                    args.workers,
                    plain_port,
                    "bench.plain_wsgi:app",
                    "/bare",
                    threads=args.granian_threads,
                )
            )
            app, plain = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{plain_port}"
            sale = SALE_SCRIPT % {
                "households": households,
                "shop": fixture["shop"],
                "products": ", ".join(str(p) for p in fixture["products"]),
                "token": fixture["keeper_token"],
                "run": f"{run}-{kind}-{ROUND}",
                "path": "/api/v1/redemptions",
            }
            read = READ_SCRIPT % {"households": households, "token": fixture["admin_token"]}
            targets[kind] = {
                PLAIN: (f"{plain}/bare", None),
                BARE: (f"{app}/bench/bare", None),
                SALE: (f"{app}/", sale),
                READ: (f"{app}/", read),
                PAGE: (f"{app}/board/{fixture['village']}", None),
            }
        rounds: list[dict] = []
        for number in range(args.rounds):
            rounds.append(
                {
                    kind: measure_round(url, args, targets[kind], number, logs / f"{kind}.log")
                    for kind in kinds
                }
            )
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    report(args, url, kinds, rounds)
    print(f"ledger verify after the run: {verify(url)}")


PLAIN, BARE = "plain Flask GET /bare", "app's empty route GET /bench/bare"
SALE, READ = "sale POST /redemptions", "read GET /households/{id}"
PAGE = "page GET /board/{village}"
ROUND = "ROUND"  # in a sale script's keys: the round's number, so no round replays another's


def measure_round(url: str, args, targets: dict, number: int, hold_log: Path) -> dict:
    """One wrk run of each of ``targets`` (name: (URL, script)), the sales they posted
    counted and, with ``--chain-hold``, the sales' chain-head hold times read back."""
    results = {}
    for name, (target, script) in targets.items():
        script = script and script.replace(ROUND, f"r{number}")
        is_sale = bool(script and "POST" in script)
        before = sales_posted(url) if is_sale else None
        if is_sale and args.chain_hold:
            hold_log.write_text("")
        busy_before, total_before = cpu_ticks()
        results[name] = wrk(target, args.connections, args.duration, script)
        busy_after, total_after = cpu_ticks()
        busy, total = busy_after - busy_before, total_after - total_before
        results[name]["cpu_busy"] = busy / total
        results[name]["cpu_ms"] = 1000 * busy / TICKS_A_SECOND / max(results[name]["sent"], 1)
        if before is not None:
            results[name]["posted"] = sales_posted(url) - before
        if is_sale and args.chain_hold and hold_log.exists():
            results[name]["holds"] = [float(line) for line in hold_log.read_text().split()]
    return results


TICKS_A_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_ticks() -> tuple[int, int]:
    """The machine's CPU time so far, busy and in all, in clock ticks (Linux's /proc/stat):
    what wrk, the servers and the database spent together, whichever process it was."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and waiting for I/O
    return sum(fields) - idle, sum(fields)


def report(args, url: str, kinds: list[str], rounds: list[dict]) -> None:
    print(
        f"database: {url.split(':')[0]}, {args.workers} workers, wrk -t2 -c{args.connections} "
        f"-d{args.duration}s, {args.rounds} alternating round(s) of {', '.join(kinds)}"
        + (f", granian --blocking-threads {args.granian_threads}" if args.granian_threads else "")
    )
    for kind in kinds:
        print(f"{kind}:")
        for name in rounds[0][kind]:
            runs = [r[kind][name] for r in rounds]
            rate = statistics.median(run["rate"] for run in runs)
            line = (
                f"  {name:<36} {rate:8.1f} req/s  p50 {runs[-1]['p50']:>8}  "
                f"p99 {runs[-1]['p99']:>8}  non-2xx {sum(run['non_2xx'] for run in runs)}"
            )
            if "posted" in runs[0]:
                posted = sum(run["posted"] for run in runs)
                line += f"  sales posted {posted:,} of {sum(run['sent'] for run in runs):,}"
            print(line)
            busy = statistics.median(run["cpu_busy"] for run in runs)
            cpu_ms = statistics.median(run["cpu_ms"] for run in runs)
            print(
                f"  {'':<36} machine CPU busy {busy:.0%}: {cpu_ms:.2f} ms of CPU a request "
                f"({os.cpu_count()} cores, wrk, servers and database together)"
            )
            holds = sorted(h for run in runs for h in run.get("holds", []))
            if holds:
                p99 = holds[min(len(holds) - 1, int(len(holds) * 0.99))]
                print(
                    f"  {'':<36} chain head held per sale: median "
                    f"{statistics.median(holds) / 1000:.2f} ms, p99 {p99 / 1000:.2f} ms "
                    f"({len(holds):,} sales)"
                )
        print("  ratio to the plain Flask /bare under the same server (median of rounds):")
        for name in (BARE, SALE, READ, PAGE):
            ratio = statistics.median(
                r[kind][name]["rate"] / r[kind][PLAIN]["rate"] for r in rounds
            )
            print(f"    {name:<34} {ratio:.2f}")
    if len(kinds) == 2:
        first, second = kinds
        print(f"{second} / {first}, requests per second (median of rounds):")
        for name in rounds[0][first]:
            ratio = statistics.median(
                r[second][name]["rate"] / r[first][name]["rate"] for r in rounds
            )
            print(f"  {name:<36} {ratio:.2f}")


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
