"""The county dashboard over HTTP: median answer time of the month dashboard, on one county
or on two (say 1,000,000 and 10,000,000 transfers) alternately.

    .venv/bin/python bench/county_dashboard.py --database URL --county ID
        [--against URL --against-county ID] [--repeat 30] [--period YYYY-MM]

Run it against counties made by ``bench/synthetic.py --villages 300 --townships 10``. Each
database gets its own app served by Werkzeug's threaded server on a local port, in this
process; every call is a real HTTP request (``GET /api/v1/regions/<id>/dashboard``, as a
county admin with a bearer token made here) read whole. With ``--against`` the two sides
are asked alternately, call by call (which goes first swaps every call), so that a busy
moment of the shared machine slows both alike; it prints both medians and their ratio.
The HTML page (``/regions/<id>/dashboard``) is timed too, and its size. Nothing asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import os
import secrets
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.serving import make_server

from pointsmart import create_app
from pointsmart.accounts.models import ApiToken
from pointsmart.accounts.service import create_user
from pointsmart.database import utcnow
from pointsmart.extensions import db


def serve(url: str, county_id: int) -> tuple[str, str, dict, object]:
    """An app on ``url`` served on a free port; its base URL, a bearer token and the
    session cookie of a county admin of ``county_id``."""
    os.environ.setdefault("POINTSMART_ENV", "testing")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        user = create_user(
            f"bench-county-{secrets.token_hex(4)}",
            secrets.token_urlsafe(12),
            role="county_admin",
            region_id=county_id,
        )
        token = secrets.token_urlsafe(24)
        db.session.add(
            ApiToken(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                user_id=user.id,
                expires_at=utcnow() + dt.timedelta(hours=2),
            )
        )
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with app.test_request_context():
        from flask import session

        from pointsmart.accounts.auth import SESSION_TOKEN_KEY

        session[SESSION_TOKEN_KEY] = token
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return f"http://127.0.0.1:{server.server_port}", token, {"session": cookie}, server


def timed(url: str, headers: dict) -> tuple[float, int]:
    request = urllib.request.Request(url, headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        body = response.read()
    return (time.perf_counter() - started) * 1000, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--county", type=int, required=True)
    parser.add_argument("--against")
    parser.add_argument("--against-county", type=int)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--period", default=None)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    sides = [serve(args.database, args.county)]
    counties = [args.county]
    if args.against:
        sides.append(serve(args.against, args.against_county or args.county))
        counties.append(args.against_county or args.county)
    query = f"?period={args.period}" if args.period else ""
    for name, path, auth in (
        ("API  GET /api/v1/regions/{id}/dashboard", "/api/v1/regions/{}/dashboard", "bearer"),
        ("page GET /regions/{id}/dashboard", "/regions/{}/dashboard", "cookie"),
    ):
        times: list[list[float]] = [[] for _ in sides]
        sizes = [0 for _ in sides]
        for call in range(args.repeat + 2):
            order = list(range(len(sides)))
            if call % 2:
                order.reverse()
            for index in order:
                base, token, cookies, _ = sides[index]
                headers = (
                    {"Authorization": f"Bearer {token}"}
                    if auth == "bearer"
                    else {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
                )
                ms, size = timed(base + path.format(counties[index]) + query, headers)
                if call >= 2:  # two warm-up calls
                    times[index].append(ms)
                sizes[index] = size
        medians = [statistics.median(t) for t in times]
        line = "  ".join(
            f"{m:8.1f} ms (p90 {statistics.quantiles(t, n=10)[-1]:.1f}, {s / 1024:.0f} KiB)"
            for m, t, s in zip(medians, times, sizes, strict=True)
        )
        ratio = f"  ratio B/A {medians[1] / medians[0]:.2f}" if len(sides) == 2 else ""
        print(f"{name:<44} {line}{ratio}", flush=True)
    for *_, server in sides:
        server.shutdown()


if __name__ == "__main__":
    main()
