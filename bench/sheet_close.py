"""The monthly 公示 sheet of a closed month on a large ledger: the chain position at the
month's end, the whole sheet (leaderboard, lists, every household's month and closing
balance) and its PDF.

    .venv/bin/python bench/sheet_close.py --database URL [--village ID] [--month YYYY-MM]

Reads an existing database (for example one made by ``bench/synthetic.py``); the month
defaults to last month in the village's time zone, the village to the biggest. Prints
seconds for each step, once each, warm (after one untimed run). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--village", type=int, default=None)
    parser.add_argument("--month", default=None)
    args = parser.parse_args()
    os.environ.setdefault("POINTSMART_ENV", "testing")
    import sqlalchemy as sa

    from pointsmart import create_app
    from pointsmart.accounts.auth import COMMAND_LINE
    from pointsmart.extensions import db
    from pointsmart.ledger.models import ChainHead
    from pointsmart.periods import current_period, previous_periods
    from pointsmart.reports.sheet import ledger_close, monthly_sheet
    from pointsmart.reports.sheet_pdf import render_sheet
    from pointsmart.villages.models import Village

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database})
    with app.app_context():
        village_id = (
            args.village
            or db.session.execute(
                sa.select(ChainHead.village_id).order_by(ChainHead.last_seq.desc()).limit(1)
            ).scalar_one()
        )
        village = db.session.get(Village, village_id)
        month = args.month or previous_periods(current_period(village.timezone), 2)[0]
        head = db.session.get(ChainHead, village_id)
        print(f"village {village_id}, {head.last_seq:,} transfers, month {month}")
        steps = {
            "chain position at the month's end (ledger_close)": lambda: ledger_close(
                village_id, month, village.timezone
            ),
            "the whole sheet (monthly_sheet)": lambda: monthly_sheet(
                COMMAND_LINE, village_id, month
            ),
        }
        for name, step in steps.items():
            step()  # warm
            started = time.perf_counter()
            result = step()
            print(f"  {name}: {time.perf_counter() - started:.3f} s")
        started = time.perf_counter()
        pdf = render_sheet(result)
        print(f"  the PDF ({len(pdf):,} bytes): {time.perf_counter() - started:.3f} s")
        close = result.ledger
        print(f"  at the close: {close.transfer_count:,} transfers, head {close.head_hash}")
        db.session.rollback()


if __name__ == "__main__":
    main()
