"""Page weight and load time of the counter and the other phone pages on a weak network.

    .venv/bin/python bench/counter_weight.py [--runs 3] [--pages counter,leader,me,board,tv]

Issue 14's profile, as a shopkeeper on village 3G would see it: Debian's Chromium through
Playwright at 390 x 844, with, on each page, through the Chrome DevTools Protocol:

* ``Network.emulateNetworkConditions``: 400 ms latency, 400 kbit/s down and 400 kbit/s up;
* ``Emulation.setCPUThrottlingRate``: 4 (the CPU four times slower).

The app runs in its production settings (static files under hashed names, compressed, cached
for a year) on a fresh SQLite database with the demo village (``flask demo``), served on
127.0.0.1 by Werkzeug in a thread: the server's few milliseconds are nothing against the
network's seconds. Staff and the villager sign in through HTTP requests of the browser
context, so no page or file is cached before the measured visit.

For each page, **cold** is the first visit of a new browser profile (empty cache) and **warm**
the next visit in the same profile (the static files in the browser's cache). Service workers
are blocked: a worker's own requests do not pass through the page's throttling, so a warm
visit here is what the HTTP cache alone gives (through the worker it is faster still, and
with no network at all the worker serves the page: tests/e2e/test_installable.py). Each
line gives the KB transferred (what went over the wire: compressed bodies and headers), the
requests that went to the network, and the load time (from navigation start to the load
event), each the median of ``--runs`` visits. Chromium asks for Brotli over HTTPS only, so
over this plain HTTP it gets gzip; a phone over HTTPS gets a little less. Nothing is asserted;
the targets are printed beside the figures (counter cold <= 60 KB and <= 2.5 s, warm
<= 1.0 s; every page < 150 KB).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.serving import make_server

from pointsmart import create_app
from pointsmart.demo import SHOPKEEPER, VILLAGER_PIN, VOLUNTEER_LEADER, load_demo
from pointsmart.extensions import db
from tests.system_packages import chromium

PROFILE = {"latency": 400, "kbit_per_s": 400, "cpu_slowdown": 4}
VIEWPORT = {"width": 390, "height": 844}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
TARGETS = {"counter": {"cold_kb": 60, "cold_s": 2.5, "warm_s": 1.0}}
MAX_PAGE_KB = 150


def build_app(folder: Path):
    """The production settings, but on plain HTTP (the session cookie is not Secure)."""
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "bench-secret",
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "SINGLE_PROCESS": True,
            "SESSION_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        import flask_migrate

        flask_migrate.upgrade()
        logins = load_demo()
        db.session.commit()
        villager_phone = next(login[1] for login in logins if login[0] == "villager")
        from pointsmart.counter.models import Shop

        shop = db.session.execute(db.select(Shop)).scalars().first()
        ids = {"shop": shop.id, "village": shop.village_id, "villager_phone": villager_phone}
    return app, ids


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}"


def sign_in(context, base: str, path: str, fields: dict[str, str]) -> None:
    """Post the sign-in form through the context's own cookies, without loading any asset."""
    form_page = context.request.get(base + path).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page)[1]
    answer = context.request.post(
        base + path, form={**fields, "csrf_token": token}, max_redirects=0
    )
    if answer.status not in (302, 303):
        raise SystemExit(f"sign-in at {path} answered {answer.status}")


def pages(ids: dict) -> dict[str, tuple[str, tuple[str, dict[str, str]] | None]]:
    staff = "/login"
    return {
        "counter": (
            f"/shops/{ids['shop']}/counter",
            (staff, {"username": SHOPKEEPER.username, "password": SHOPKEEPER.password}),
        ),
        "leader": (
            f"/leader/{ids['village']}",
            (
                staff,
                {"username": VOLUNTEER_LEADER.username, "password": VOLUNTEER_LEADER.password},
            ),
        ),
        "me": ("/me", ("/me/login", {"phone": ids["villager_phone"], "pin": VILLAGER_PIN})),
        "board": (f"/board/{ids['village']}", None),
        "tv": (f"/tv/{ids['village']}", None),
    }


def visit(page, session, url: str) -> dict:
    """One throttled visit: bytes over the wire, network requests, load time."""
    sent: dict[str, str] = {}
    received: dict[str, int] = {}
    from_cache: set[str] = set()

    def will_send(event):
        if not event["request"]["url"].startswith("data:"):
            sent[event["requestId"]] = event["request"]["url"]

    session.on("Network.requestWillBeSent", will_send)
    session.on("Network.requestServedFromCache", lambda e: from_cache.add(e["requestId"]))
    session.on(
        "Network.loadingFinished",
        lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    load_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    session.remove_listener("Network.requestWillBeSent", will_send)
    network = [rid for rid in sent if rid not in from_cache]
    return {
        "kb": sum(received.get(rid, 0) for rid in network) / 1024,
        "requests": len(network),
        "seconds": load_ms / 1000,
        "urls": [sent[rid] for rid in network],
    }


def measure(browser, base: str, path: str, login) -> tuple[dict, dict]:
    context = browser.new_context(
        viewport=VIEWPORT,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        service_workers="block",
    )
    try:
        if login:
            sign_in(context, base, *login)
        page = context.new_page()
        page.set_default_timeout(60_000)
        session = context.new_cdp_session(page)
        session.send("Network.enable")
        session.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": PROFILE["latency"],
                "downloadThroughput": PROFILE["kbit_per_s"] * 1000 / 8,
                "uploadThroughput": PROFILE["kbit_per_s"] * 1000 / 8,
            },
        )
        session.send("Emulation.setCPUThrottlingRate", {"rate": PROFILE["cpu_slowdown"]})
        cold = visit(page, session, base + path)
        warm = visit(page, session, base + path)
        return cold, warm
    finally:
        context.close()


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", default="counter,leader,me,board,tv")
    parser.add_argument("--urls", action="store_true", help="list each cold visit's requests")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        app, ids = build_app(Path(folder))
        server, base = serve(app)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium(), headless=True, args=CHROMIUM_ARGS
                )
                print(
                    f"profile: {PROFILE['latency']} ms latency, {PROFILE['kbit_per_s']} kbit/s "
                    f"each way, CPU {PROFILE['cpu_slowdown']}x slower, "
                    f"{VIEWPORT['width']}x{VIEWPORT['height']}; median of {args.runs}"
                )
                print(
                    f"{'page':8} {'path':16} {'cold KB':>8} {'req':>4} {'cold s':>7} "
                    f"{'warm KB':>8} {'req':>4} {'warm s':>7}  targets"
                )
                for name, (path, login) in pages(ids).items():
                    if name not in args.pages.split(","):
                        continue
                    colds, warms = [], []
                    for _ in range(args.runs):
                        cold, warm = measure(browser, base, path, login)
                        colds.append(cold)
                        warms.append(warm)
                    target = TARGETS.get(name, {})
                    wanted = (
                        f"cold <= {target['cold_kb']} KB and {target['cold_s']} s, "
                        f"warm <= {target['warm_s']} s"
                        if target
                        else f"< {MAX_PAGE_KB} KB"
                    )
                    print(
                        f"{name:8} {path:16} {median(colds, 'kb'):8.1f} "
                        f"{median(colds, 'requests'):4.0f} {median(colds, 'seconds'):7.2f} "
                        f"{median(warms, 'kb'):8.1f} {median(warms, 'requests'):4.0f} "
                        f"{median(warms, 'seconds'):7.2f}  {wanted}"
                    )
                    if args.urls:
                        for url in colds[0]["urls"]:
                            print(f"{'':10}{url.removeprefix(base)}")
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
