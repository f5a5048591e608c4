"""What an empty route, a balance read and a page are made of, part by part, in one process.

    .venv/bin/python bench/request_parts.py [--database URL] [--repeat 2000]

The same fixture as ``bench/http_wrk.py`` (a throwaway SQLite file unless ``--database``),
the app built with production settings.

* **The request hooks**, each called on its own inside the request context of the app's empty
  route ``GET /bench/bare`` (``bench/bench_wsgi.py``): every before- and after-request hook
  Flask would run for it, and the teardown.
* **The read** (``GET /api/v1/households/{id}``): the session's transaction (begin and
  commit), the caller's token, the household answer, the marshmallow answer.
* **Whole requests through the WSGI callable** (no server): the plain Flask app's ``/bare``
  (``bench/plain_wsgi.py``), the app's empty route, the read and a public page, and the
  empty route's ratio to the plain one.
* **Reads without a transaction** (PostgreSQL only): the read and the page as they run (their
  statements in AUTOCOMMIT, ``database.autocommit_reads``) against the same requests inside a
  transaction (``BEGIN`` ... ``COMMIT``), alternated round by round, and the ratio.

Prints the median of ``--repeat`` calls in microseconds, one thread. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_wrk import prepare, production_settings  # noqa: E402


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def show(label: str, microseconds: float) -> None:
    print(f"  {label:<48} {microseconds:8.1f}")


def timed(call, repeat: int) -> float:
    samples = []
    for n in range(repeat):
        started = time.perf_counter()
        call(n)
        samples.append(time.perf_counter() - started)
    return median_us(samples)


def hook_name(hook) -> str:
    function = getattr(hook, "func", hook)  # functools.partial
    return f"{function.__module__}.{getattr(function, '__qualname__', repr(function))}"


def hook_parts(app, repeat: int) -> None:
    """Each hook of the empty route, alone, in a fresh request context each call."""
    from flask import Response

    before = app.before_request_funcs.get(None, [])
    after = app.after_request_funcs.get(None, [])
    teardown = app.teardown_request_funcs.get(None, [])
    print("the empty route's hooks, one at a time (median us):")
    total = 0.0
    for kind, hooks in (("before", before), ("after", list(reversed(after)))):
        for hook in hooks:

            def call(n, hook=hook, kind=kind):
                with app.test_request_context("/bench/bare"):
                    if kind == "before":
                        hook()
                    else:
                        hook(Response("{}", mimetype="application/json"))

            def empty_call(n, kind=kind):
                with app.test_request_context("/bench/bare"):
                    if kind != "before":  # what an after hook is handed is not its cost
                        Response("{}", mimetype="application/json")

            empty = timed(empty_call, repeat)
            cost = max(timed(call, repeat) - empty, 0.0)
            total += cost
            show(f"{kind}: {hook_name(hook)}", cost)
    for hook in teardown:
        show(f"teardown: {hook_name(hook)}", 0.0)
    show("the hooks together", total)


def wsgi_call(app, path: str, headers: dict):
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path=path, headers=headers).get_environ()

    def call(n):
        body = app(dict(environ), lambda status, headers, exc_info=None: None)
        b"".join(body)
        if hasattr(body, "close"):
            body.close()

    return call


def read_parts(app, fixture: dict, repeat: int) -> None:
    from pointsmart.accounts.service import principal_for_token
    from pointsmart.database import mark_read_only
    from pointsmart.extensions import db
    from pointsmart.households.answer import household_answer
    from pointsmart.households.schemas import HouseholdOut

    households = fixture["households"]
    token = fixture["admin_token"]
    with app.test_request_context("/", headers={"Authorization": f"Bearer {token}"}):
        mark_read_only(True)

        def transaction(n):
            db.session.connection()
            db.session.commit()

        print("the read, part by part (median us):")
        show("session transaction, begin and commit", timed(transaction, repeat))
        principal = principal_for_token(token)
        show("the caller's token", timed(lambda n: principal_for_token(token), repeat))
        answer = lambda n: household_answer(principal, households[n % 50])  # noqa: E731
        show("the household answer", timed(answer, repeat))
        schema, data = HouseholdOut(), household_answer(principal, households[0])
        show("the marshmallow answer", timed(lambda n: schema.dump(data), repeat))
        db.session.commit()


def whole_requests(app, fixture: dict, repeat: int) -> None:
    from bench.plain_wsgi import app as plain

    auth = {"Authorization": f"Bearer {fixture['admin_token']}"}
    print("whole requests through the WSGI callable (median us):")
    calls = {
        "plain Flask GET /bare": wsgi_call(plain, "/bare", {}),
        "the app's empty route GET /bench/bare": wsgi_call(app, "/bench/bare", {}),
        "the balance read GET /api/v1/households/{id}": wsgi_call(
            app, f"/api/v1/households/{fixture['households'][0]}", auth
        ),
        "a page GET /board/{village}": wsgi_call(app, f"/board/{fixture['village']}", {}),
    }
    figures = {}
    # Alternate the calls round by round: the machine's speed drifts.
    for _ in range(4):
        for name, call in calls.items():
            figures.setdefault(name, []).append(timed(call, max(repeat // 4, 1)))
    for name, samples in figures.items():
        show(name, statistics.median(samples))
    plain_us = statistics.median(figures["plain Flask GET /bare"])
    empty_us = statistics.median(figures["the app's empty route GET /bench/bare"])
    show("empty route / plain bare (throughput ratio)", plain_us / empty_us)


def autocommit_against_transaction(app, fixture: dict, repeat: int) -> None:
    import pointsmart.request_cycle as request_cycle
    from pointsmart.database import read_from

    auth = {"Authorization": f"Bearer {fixture['admin_token']}"}
    calls = {
        "the balance read": wsgi_call(app, f"/api/v1/households/{fixture['households'][0]}", auth),
        "a page GET /board/{village}": wsgi_call(app, f"/board/{fixture['village']}", {}),
    }
    in_a_transaction = lambda engine: read_from(None)  # noqa: E731 - what the hook did before
    figures: dict[tuple[str, str], list[float]] = {}
    for _ in range(8):
        for mode in ("autocommit", "transaction"):
            request_cycle.read_from = read_from if mode == "autocommit" else in_a_transaction
            for name, call in calls.items():
                figures.setdefault((name, mode), []).append(timed(call, max(repeat // 8, 1)))
    request_cycle.read_from = read_from
    print("reads in AUTOCOMMIT against in a transaction (median us, alternated):")
    for name in calls:
        autocommit = statistics.median(figures[(name, "autocommit")])
        transaction = statistics.median(figures[(name, "transaction")])
        show(f"{name}: autocommit", autocommit)
        show(f"{name}: in a transaction", transaction)
        print(f"  {name}: transaction / autocommit {transaction / autocommit:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/parts.db"
    fixture = prepare(url)
    import os

    os.environ.update(production_settings(url))
    from bench.bench_wsgi import app

    hook_parts(app, args.repeat)
    read_parts(app, fixture, args.repeat)
    whole_requests(app, fixture, args.repeat)
    if url.startswith("postgresql"):
        autocommit_against_transaction(app, fixture, args.repeat)


if __name__ == "__main__":
    main()
