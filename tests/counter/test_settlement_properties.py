"""Property test of settling shops' months (issue 15, item 6): whatever sales, voids of any
earlier sale and settlements of any past month, in any order, over half a year,

* the statement and the settlement agree: settling posts exactly the points the statement
  showed due, and is refused (``nothing_to_settle``) exactly when it showed none due, never
  with ``insufficient_points``;
* a settlement never takes the shop's account below zero: the village never pays for more
  than the shop's sales net of voids so far;
* a month settled keeps its figures;
* a month carries a debt (voids of months already paid) of at most what was paid for the
  months before it: a void of a month never paid is no debt of a later one;
* once every month is settled in order after the last void, nothing is left owing to the
  shop (what remains is what voids of months already paid took back);
* the village's balances sum to zero and the ledger verifies.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pointsmart.clock import historical
from pointsmart.counter.errors import AlreadySettled, NothingToSettle
from pointsmart.counter.settlement import month_statement, settle_month
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.verify import verify_village
from tests.factories import ROOT

MONTHS = [f"2026-{month:02d}" for month in range(1, 8)]


def moment(month_index: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month_index + 1, day, 2, tzinfo=dt.UTC)


steps = st.lists(
    st.tuples(
        st.sampled_from(["sell", "sell", "void", "settle", "next_month"]),
        st.integers(1, 300),  # points of a sale
        st.integers(0, 1000),  # which sale to void, which month to settle
    ),
    max_size=40,
)


def shop_balance(village_id, shop_id) -> int:
    return ledger.account_balance(village_id, ledger.shop_code(shop_id))


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
# January settled after a February void holds back a point that February then pays.
@example(
    steps=[
        ("sell", 1, 0),
        ("sell", 1, 0),
        ("next_month", 1, 0),
        ("void", 1, 0),
        ("settle", 1, 0),
        ("sell", 1, 0),
    ]
)
# January's sale voided in February, neither month has anything to pay: March owes its sale.
@example(
    steps=[
        ("sell", 5, 0),
        ("next_month", 1, 0),
        ("void", 1, 0),
        ("settle", 1, 0),
        ("next_month", 1, 0),
        ("settle", 1, 1),
        ("sell", 3, 0),
        ("next_month", 1, 0),
        ("settle", 1, 2),
    ]
)
def test_statements_and_settlements_agree_whatever_the_voids(make, steps):
    savepoint = db.session.begin_nested()
    try:
        with historical(moment(0, 2)) as clock:
            month, day = 0, 2
            village = make.village()
            household = make.household(village)
            shop = make.shop(village)
            ledger.award(village.id, household.id, 1_000_000, category="other")
            sales: list[int] = []  # transfer ids of sales not voided
            net = 0  # the shop's sales less voids so far
            paid = 0
            settled: dict[str, object] = {}
            for op, points, pick in steps:
                day += 1
                if day > 27 or op == "next_month":
                    if month + 1 >= len(MONTHS) - 1:
                        continue  # the last month stays open
                    month, day = month + 1, 1
                clock.move_to(moment(month, day))
                if op == "sell":
                    sales.append(ledger.redeem(village.id, household.id, shop.id, points).id)
                    net += points
                elif op == "void" and sales:
                    sale = sales.pop(pick % len(sales))
                    reversal = ledger.reverse(sale, reason="撤销")
                    net -= reversal.amount
                elif op == "settle" and month > 0:
                    period = MONTHS[pick % month]  # a month that has ended
                    shown = month_statement(ROOT, shop.id, period)
                    paid_before = sum(
                        due for month_, (_, due) in settled.items() if month_ < period
                    )
                    assert shown.carried_points >= -paid_before
                    balance_before = shop_balance(village.id, shop.id)
                    try:
                        done = settle_month(ROOT, shop.id, period)
                    except AlreadySettled:
                        assert shown.settled
                    except NothingToSettle:
                        assert not shown.settled
                        assert shown.points_due == 0
                    else:
                        assert not shown.settled
                        assert shown.points_due > 0
                        assert done.points_due == shown.points_due
                        assert done.settlement.points == shown.points_due
                        paid += shown.points_due
                        settled[period] = (done.points_redeemed, done.points_due)
                        after = shop_balance(village.id, shop.id)
                        assert after == balance_before - shown.points_due >= 0
                        assert paid <= net
                assert shop_balance(village.id, shop.id) == net - paid
            for period, figures in settled.items():
                again = month_statement(ROOT, shop.id, period)
                assert (again.points_redeemed, again.points_due) == figures

            # Every month settled in order once the voids are over: the village paid the net.
            clock.move_to(moment(len(MONTHS) - 1, 28))
            for period in MONTHS[:-1]:
                with contextlib.suppress(AlreadySettled, NothingToSettle):
                    paid += settle_month(ROOT, shop.id, period).points_due
            # Nothing is left owing to the shop: what remains is at most what voids of months
            # already paid took back and no later sale made up for.
            final = shop_balance(village.id, shop.id)
            assert final <= 0
            assert paid == net - final
            assert (
                sum(
                    ledger.account_balance(village.id, code)
                    for code in (
                        "issued",
                        "penalties",
                        "settled",
                        "expired",
                        f"household:{household.id}",
                    )
                )
                + final
                == 0
            )
            report = verify_village(village.id)
            assert report.ok, report.problems
    finally:
        savepoint.rollback()
