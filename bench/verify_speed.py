"""Time ``ledger verify`` of a village: wall clock and this process's CPU time.

    .venv/bin/python bench/verify_speed.py --database URL [--village ID] [--head]

Run it on a database made by ``bench/synthetic.py`` (1,000,000 transfers for issue 7). The
CPU time is what the replay itself costs; on a machine shared with other work the wall
clock can be much longer. ``--head`` also times ``verify --head`` of the middle transfer.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from pointsmart import create_app
from pointsmart.extensions import db
from pointsmart.ledger import verify


def timed(call):
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--village", type=int, default=1)
    parser.add_argument("--head", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("POINTSMART_ENV", "testing")
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "SECRET_KEY": "bench"})
    with app.app_context():
        report, wall, cpu = timed(lambda: verify.verify_village(args.village))
        db.session.rollback()
        print(
            f"verify: ok={report.ok} {report.transfers_checked:,} transfers, wall {wall:.1f} s, "
            f"CPU {cpu:.1f} s ({report.transfers_checked / cpu:,.0f}/s of CPU)"
        )
        if args.head and hasattr(verify, "verify_head"):
            from pointsmart.ledger.models import Transfer

            middle = report.transfers_checked // 2
            head_hash = db.session.execute(
                sa.select(Transfer.hash).where(
                    Transfer.village_id == args.village, Transfer.seq == middle
                )
            ).scalar_one()
            db.session.rollback()
            head, wall, cpu = timed(lambda: verify.verify_head(args.village, head_hash, middle))
            print(
                f"verify --head of transfer {middle:,}: ok={head.ok}, wall {wall:.1f} s, "
                f"CPU {cpu:.1f} s"
            )


if __name__ == "__main__":
    main()
