"""The village's month in figures (``board.summary``) against the ledger."""

import datetime as dt

from pointsmart.board.summary import village_summary
from pointsmart.bookkeeping.clearing import clear_year
from pointsmart.clock import historical
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.reports.sheet import monthly_sheet


def test_points_cleared_at_the_year_end_are_no_longer_outstanding(make):
    """Expiry is not earned, deducted or redeemed, yet the households no longer hold the
    points: what is outstanding at the month's end is what the 公示 sheet's balances add up
    to."""
    with historical(dt.datetime(2025, 11, 20, 2, tzinfo=dt.UTC)) as clock:
        village = make.village()
        village.year_end_clearing = True
        admin = make.staff("admin", village)
        saver, debtor = make.household(village), make.household(village)
        make.award(saver, 30)
        ledger.deduct(village.id, debtor.id, 4, category="black")
        clock.move_to(dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC))  # 20:00 in the village
        make.award(saver, 5)
        clear_year(admin.principal, village.id, 2025)
        clock.move_to(dt.datetime(2026, 1, 2, 2, tzinfo=dt.UTC))
        make.award(debtor, 10)
        db.session.flush()

        for period, held in (("2025-11", 26), ("2025-12", -4), ("2026-01", 6)):
            sheet = monthly_sheet(admin.principal, village.id, period)
            summary = village_summary(admin.principal, village.id, period)
            assert sum(h["balance"] for h in sheet.households) == held, period
            assert summary["outstanding"] == held, period
