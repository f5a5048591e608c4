"""Ledger hot path: posts per second through the service, and verify speed.

    .venv/bin/python bench/ledger_hot_path.py [--transfers 5000] [--database URL]

Each post is its own committed transaction (as a request would be). Prints posts/s and
the CPU time of this process per post (steadier than posts/s on a shared machine) for
awards and for redemptions, the ratio of a redemption (which checks funds) to an award, the
time of ``verify_village`` over everything posted, and the balance read (one indexed row)
per second. Uses a throwaway SQLite file unless ``--database`` names another database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate

from pointsmart import create_app
from pointsmart.extensions import db
from pointsmart.ledger import queries
from pointsmart.ledger import service as ledger
from pointsmart.ledger.verify import verify_village
from tests.factories import Factories


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transfers", type=int, default=5000)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    os.environ.setdefault("POINTSMART_ENV", "testing")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        flask_migrate.upgrade()
        make = Factories()
        village = make.village()
        households = [make.household(village) for _ in range(50)]
        shop = make.shop(village)
        db.session.commit()

        half = args.transfers // 2
        cpu_started = time.process_time()
        started = time.perf_counter()
        for index in range(half):
            household = households[index % len(households)]
            ledger.award(village.id, household.id, 5, category="volunteer")
            db.session.commit()
        award_seconds = time.perf_counter() - started

        started = time.perf_counter()
        for index in range(half):
            household = households[index % len(households)]
            ledger.redeem(village.id, household.id, shop.id, 1)
            db.session.commit()
        redeem_seconds = time.perf_counter() - started
        post_cpu_ms = (time.process_time() - cpu_started) * 1000 / (2 * half)

        started = time.perf_counter()
        reads = 5000
        for index in range(reads):
            queries.household_balance(village.id, households[index % len(households)].id)
        db.session.rollback()
        read_seconds = time.perf_counter() - started

        started = time.perf_counter()
        report = verify_village(village.id)
        verify_seconds = time.perf_counter() - started
        assert report.ok, report.problems

    print(f"database: {url.split(':')[0]}")
    print(f"awards posted:       {half:>7}  {rate(half, award_seconds)}")
    print(f"redemptions posted:  {half:>7}  {rate(half, redeem_seconds)}")
    print(f"redemption/award:    {award_seconds / redeem_seconds:.2f}")
    print(f"CPU per post:        {post_cpu_ms:.2f} ms (this process; the rest is waiting)")
    print(f"balance reads:       {reads:>7}  {rate(reads, read_seconds)}")
    print(
        f"verify:              {report.transfers_checked:>7}  {verify_seconds:.2f} s "
        f"({rate(report.transfers_checked, verify_seconds)})"
    )


if __name__ == "__main__":
    main()
