"""The village's month in figures (``board.summary``) against the ledger."""

import datetime as dt

from pointsmart.board.summary import village_summary
from pointsmart.bookkeeping.clearing import clear_year
from pointsmart.clock import historical
from pointsmart.counter import goods
from pointsmart.counter.offline.reconcile import resolve
from pointsmart.counter.offline.sync import redeem_offline
from pointsmart.counter.settlement import settle_month
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.reports.sheet import monthly_sheet
from tests.factories import ROOT


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


def test_what_shops_took_in_and_were_not_paid_for_counts_written_off_sales(make):
    """A write-off (an offline sale the village pays for) is paid to the shop with its month's
    settlement like any sale, so once the month is settled nothing is left unpaid; before,
    the write-off's points wait to be settled."""
    with historical(dt.datetime(2025, 10, 2, 2, tzinfo=dt.UTC)) as clock:
        village = make.village()
        admin = make.staff("admin", village)
        shop = make.shop(village)
        keeper = make.staff("shopkeeper", village, shop)
        soap = goods.create_product(ROOT, shop.id, name="香皂", points_price=15, stock=10)
        household = make.household(village)
        make.award(household, 20)
        sold = {"shop_id": shop.id, "items": [{"product_id": soap.id, "quantity": 1}]}
        made = dt.datetime(2025, 10, 2, 1, tzinfo=dt.UTC)
        redeem_offline(
            keeper.principal, **sold, made_at=made, client_key="a", household_id=household.id
        )
        short = redeem_offline(
            keeper.principal, **sold, made_at=made, client_key="b", household_id=household.id
        )
        ledger.write_pending_transfers()
        resolve(admin.principal, short.pending.id, "write_off")

        before = village_summary(admin.principal, village.id, "2025-10")
        assert (before["redeemed"], before["settled"], before["unsettled"]) == (15, 0, 30)
        clock.move_to(dt.datetime(2025, 11, 3, 2, tzinfo=dt.UTC))
        settle_month(admin.principal, shop.id, "2025-10")

        after = village_summary(admin.principal, village.id, "2025-10")
        assert (after["redeemed"], after["settled"], after["unsettled"]) == (15, 30, 0)
