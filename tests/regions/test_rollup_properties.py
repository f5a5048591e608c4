"""Property test of the regions' rollups and the dashboard's figures: whatever awards (by a
leader or the system, for this month or posted late into the month before), deductions,
reversals of any of them, sales, voids and year-end clearings, over a few months,

* the rollups agree with the ledger: ``ledger verify`` finds nothing, each month's
  ``village_months`` points are the households' monthly totals summed, and ``flask regions
  rebuild`` writes the same rows again;
* the dashboard's month agrees with the village's own figures (the monthly totals) and its
  chart with the rollups;
* the flags read what the earning households earned: the top three's share is never above
  100% and is what the three largest earners got of it, and ``no_awards`` fires exactly when
  no household earned in the month (a reversal of an earlier month's award is no award),
  the month not being one still to come.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointsmart.clock import historical
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.errors import InsufficientPoints, ReversalAfterClearing
from pointsmart.ledger.models import MonthlyTotal
from pointsmart.ledger.verify import verify_village
from pointsmart.regions.dashboard import region_dashboard
from pointsmart.regions.rollups import LeaderMonth, VillageMonth, rebuild_village

MONTHS = ["2026-03", "2026-04", "2026-05"]
SHARE = re.compile(r"([0-9]+\.[0-9])%")


def moment(month_index: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month_index + 3, day, 3, tzinfo=dt.UTC)


steps = st.lists(
    st.tuples(
        st.sampled_from(
            [
                *("award", "award", "leader_award", "late_award", "deduct", "reverse"),
                *("sell", "void", "expire", "next_month"),
            ]
        ),
        st.integers(0, 4),  # which household
        st.integers(1, 80),  # points
        st.integers(0, 1000),  # which transfer to reverse or void
    ),
    max_size=30,
)


def points(month: VillageMonth) -> tuple[int, int]:
    return month.points_issued, month.points_deducted


def rollup_rows(village_id: int):
    months = db.session.execute(
        sa.select(VillageMonth).where(VillageMonth.village_id == village_id)
    ).scalars()
    leaders = db.session.execute(
        sa.select(LeaderMonth).where(LeaderMonth.village_id == village_id)
    ).scalars()
    return (
        sorted(
            (m.period, m.awards, m.deductions, m.reversals, m.split_awards, *points(m))
            for m in months
        ),
        sorted((r.period, r.user_id, r.awards, r.points) for r in leaders),
    )


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_rollups_and_the_dashboard_agree_with_the_ledger(tree, steps):
    make = tree.make
    savepoint = db.session.begin_nested()
    try:
        with historical(moment(0, 2)) as clock:
            village = make.village(region_id=tree.township.id)
            homes = [make.household(village) for _ in range(5)]
            shop = make.shop(village)
            leader = make.staff("leader", village)
            reversible: list[int] = []
            sales: list[int] = []
            month, day = 0, 2
            for op, which, points, pick in steps:
                day += 1
                if day > 27 or op == "next_month":
                    if month + 1 >= len(MONTHS):
                        continue
                    month, day = month + 1, 1
                clock.move_to(moment(month, day))
                home = homes[which]
                if op in ("award", "leader_award", "late_award"):
                    fields = {"category": "other"}
                    if op == "leader_award":
                        fields["posted_by_id"] = leader.user_id
                    if op == "late_award" and month > 0:
                        fields["period"] = MONTHS[month - 1]
                    reversible.append(ledger.award(village.id, home.id, points, **fields).id)
                elif op == "deduct":
                    deduction = ledger.deduct(village.id, home.id, points, category="black")
                    reversible.append(deduction.id)
                elif op == "reverse" and reversible:
                    with contextlib.suppress(ReversalAfterClearing):  # its points were cleared
                        ledger.reverse(reversible.pop(pick % len(reversible)), reason="录错了")
                elif op == "sell":
                    with contextlib.suppress(InsufficientPoints):
                        sales.append(ledger.redeem(village.id, home.id, shop.id, points).id)
                elif op == "void" and sales:
                    ledger.reverse(sales.pop(pick % len(sales)), reason="撤销")
                elif op == "expire":
                    balance = ledger.account_balance(village.id, ledger.household_code(home.id))
                    if balance > 0:
                        ledger.expire(village.id, home.id, balance)
            db.session.flush()

            report = verify_village(village.id)
            assert report.ok, report.problems
            totals = {
                period: (int(earned), int(deducted))
                for period, earned, deducted in db.session.execute(
                    sa.select(
                        MonthlyTotal.period,
                        sa.func.sum(MonthlyTotal.earned),
                        sa.func.sum(MonthlyTotal.deducted),
                    )
                    .where(MonthlyTotal.village_id == village.id)
                    .group_by(MonthlyTotal.period)
                )
            }
            kept = rollup_rows(village.id)
            for period, *_, issued, deducted in kept[0]:
                assert (issued, deducted) == totals.get(period, (0, 0))
            rebuild_village(village.id)
            assert rollup_rows(village.id) == kept

            for period in MONTHS:
                earned = [
                    int(e)
                    for e in db.session.execute(
                        sa.select(MonthlyTotal.earned).where(
                            MonthlyTotal.village_id == village.id,
                            MonthlyTotal.period == period,
                            MonthlyTotal.earned > 0,
                        )
                    ).scalars()
                ]
                board = region_dashboard(tree.county_admin.principal, tree.township.id, period)
                row = next(r for r in board.villages if r.village_id == village.id)
                issued, deducted = totals.get(period, (0, 0))
                assert (row.points_issued, row.points_deducted) == (issued, deducted)
                assert row.active_households == len(earned) <= row.households
                chart = {m["period"]: m for m in board.months}
                assert chart[period]["issued"] >= issued  # the township's other villages too
                flags = {flag["code"]: flag for flag in row.flags}
                assert ("no_awards" in flags) == (not earned and period <= MONTHS[month])
                if "awards_concentrated" in flags:
                    (share,) = SHARE.findall(flags["awards_concentrated"]["detail"])
                    top = sum(sorted(earned, reverse=True)[:3])
                    assert Decimal(share) <= 100
                    expected = (Decimal(top) * 100 / Decimal(sum(earned))).quantize(Decimal("0.1"))
                    assert Decimal(share) == expected
                else:
                    top = sum(sorted(earned, reverse=True)[:3])
                    assert len(earned) <= 3 or top * 100 <= 50 * sum(earned)
    finally:
        savepoint.rollback()
