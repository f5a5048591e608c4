"""Time the statement slips: 1,000 households of one grid (167 A4 pages) as one PDF.

    .venv/bin/python bench/statement_slips.py [--households 1000] [--entries 4]
        [--database URL] [--profile]

Makes a village with that many households in one grid (and a second grid of 200 that the
slips leave out) in a throwaway SQLite file (unless ``--database``), posts ``--entries``
awards by rule and a deduction a household this month through the ledger, and a shop with
goods (not timed); then times ``statement_slips`` and ``render_slips`` as ``flask statements
print --grid`` and the slips page use them, and counts the SQL statements the reading took.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate
import sqlalchemy as sa

from pointsmart import create_app
from pointsmart.counter import goods
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.periods import current_period
from pointsmart.villagers.slips import statement_slips
from pointsmart.villagers.slips_pdf import render_slips
from tests.factories import ROOT, Factories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=4)
    parser.add_argument("--database", default=None)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/slips.db"
    os.environ.setdefault("POINTSMART_ENV", "testing")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade()
        make = Factories()
        village = make.village(name=f"对账村{time.time_ns()}")
        village.phone = "0311-8765 4321"
        grid, other = make.grid(village, name="一组"), make.grid(village, name="二组")
        leader = make.staff("leader", village)
        shop = make.shop(village, name="积分超市")
        for name, price in (("大米5斤", 100), ("食用油", 80), ("洗衣粉", 30), ("香皂", 15)):
            goods.create_product(ROOT, shop.id, name=name, points_price=price, stock=50)
        loading = time.perf_counter()
        households = [
            make.household(village, grid=grid, number=f"{n:05d}", head_name="李秀英")
            for n in range(1, args.households + 1)
        ] + [
            make.household(village, grid=other, number=f"9{n:04d}", head_name="王建国")
            for n in range(1, 201)
        ]
        for household in households:
            for entry in range(args.entries):
                ledger.award(
                    village.id,
                    household.id,
                    5 + (household.id + entry) % 20,
                    category="volunteer",
                    memo="志愿服务：打扫村道、照顾孤寡老人",
                    posted_by_id=leader.user_id,
                )
            ledger.deduct(village.id, household.id, 3, category="rule", memo="乱倒垃圾")
        db.session.commit()
        period = current_period(village.timezone)
        print(f"loaded {len(households)} households in {time.perf_counter() - loading:.1f} s")

        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        profile = cProfile.Profile() if args.profile else None
        cpu_started = time.process_time()
        started = time.perf_counter()
        if profile:
            profile.enable()
        batch = statement_slips(ROOT, village.id, period, grid_id=grid.id)
        read = time.perf_counter()
        reads = len(statements)
        pdf = render_slips(batch)
        if profile:
            profile.disable()
        finished = time.perf_counter()
        cpu = time.process_time() - cpu_started
        db.session.rollback()
    entries = sum(len(slip.entries) for slip in batch.slips)
    pages = -(-len(batch.slips) // 6)
    print(
        f"slips: {len(batch.slips)} ({entries} entries), pages: {pages}, "
        f"PDF {len(pdf) / 1024:,.0f} KiB, database: {url.split(':')[0]}"
    )
    print(f"statement_slips: {read - started:6.2f} s in {reads} SQL statements")
    print(f"render_slips:    {finished - read:6.2f} s")
    print(f"total:           {finished - started:6.2f} s (CPU of this process {cpu:.2f} s)")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
