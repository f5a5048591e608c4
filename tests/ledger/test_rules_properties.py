"""Property tests of points by rule.

* Hours x points per hour round half up to a whole number, and the hours are kept exactly.
* Monthly caps are never exceeded, whatever the order of awards, months and reversals; and an
  award is refused exactly when it would go over (a plain model kept by the test agrees).
* A rule version change never alters the points of earlier transfers.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointsmart.awards import limits, service
from pointsmart.awards.errors import MonthlyCapReached
from pointsmart.errors import Problem
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import current_period, local_today, previous_periods
from pointsmart.rules import arithmetic
from pointsmart.rules import catalogue as rules
from tests.factories import ROOT

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hundredths = st.integers(min_value=1, max_value=2400).map(lambda n: Decimal(n) / 100)
start = dt.date(2020, 1, 1)


def attempt(operation, *args, **kwargs):
    """Run one service call in a savepoint, as a request would in its transaction."""
    try:
        with db.session.begin_nested():
            return operation(*args, **kwargs), None
    except Problem as problem:
        return None, problem


def open_village(make, households: int):
    village = make.village(approval_threshold=1_000_000)  # caps are what is tested here
    return village, [make.household(village) for _ in range(households)]


@given(hours=hundredths, per_hour=st.integers(min_value=1, max_value=200))
def test_hours_round_half_up(hours, per_hour):
    exact = Fraction(hours) * per_hour
    expected = math.floor(exact + Fraction(1, 2))

    assert arithmetic.points_for(hours, per_hour) == expected
    assert abs(arithmetic.points_for(hours, per_hour) - exact) <= Fraction(1, 2)


@SETTINGS
@given(hours=hundredths, per_hour=st.integers(min_value=1, max_value=40))
def test_an_award_by_the_hour_keeps_the_hours_and_rounds_half_up(make, hours, per_hour):
    village, [household] = open_village(make, 1)
    rule = rules.create_rule(
        ROOT, village.id, code="h", name="志愿服务", category="volunteer", points=per_hour,
        unit="hour", valid_from=start,
    )  # fmt: skip
    expected = math.floor(Fraction(hours) * per_hour + Fraction(1, 2))

    outcome, problem = attempt(
        lambda: service.award_by_rule(
            ROOT, household_id=household.id, rule_id=rule.id, quantity=hours
        )
    )

    if expected == 0:
        assert problem is not None
        assert "quantity" in problem.errors
        return
    assert problem is None
    transfer = db.session.get(Transfer, outcome.transfer.id, populate_existing=True)
    assert transfer.quantity == hours
    assert transfer.amount == expected
    assert transfer.rule_version_id == rule.version_id


# --- caps ------------------------------------------------------------------------------------

award_op = st.tuples(
    st.just("award"),
    st.integers(0, 2),  # household
    st.integers(0, 1),  # rule
    st.integers(1, 4),  # quantity
    st.integers(0, 1),  # this month or last month
)
reverse_op = st.tuples(st.just("reverse"), st.integers(0, 50))


@pytest.mark.slow
@SETTINGS
@given(
    room=st.tuples(st.integers(0, 30), st.integers(0, 30)),  # cap above one time's points
    points=st.tuples(st.integers(1, 15), st.integers(-15, -1)),
    operations=st.lists(st.one_of(award_op, reverse_op), min_size=1, max_size=25),
)
def test_caps_are_never_exceeded_whatever_the_order(make, room, points, operations):
    caps = tuple(abs(p) + extra for p, extra in zip(points, room, strict=True))
    village, households = open_village(make, 3)
    catalogue = [
        rules.create_rule(
            ROOT, village.id, code=f"r{i}", name=f"规则{i}", category="rule", points=points[i],
            monthly_cap=caps[i], valid_from=start,
        )
        for i in range(2)
    ]  # fmt: skip
    months = previous_periods(current_period(village.timezone), 2)[::-1]
    used: dict[tuple[int, int, str], int] = {}  # the model: points by household, rule, month
    posted: list[tuple[int, tuple[int, int, str], int]] = []  # transfer id, key, points

    for operation in operations:
        if operation[0] == "reverse":
            if not posted:
                continue
            transfer_id, key, amount = posted.pop(operation[1] % len(posted))
            _, problem = attempt(ledger.reverse, transfer_id, reason="更正")
            assert problem is None
            used[key] -= amount
            continue
        _, who, which, quantity, month = operation
        key = (who, which, months[month])
        rule = catalogue[which]
        outcome, problem = attempt(
            service.award_by_rule, ROOT, household_id=households[who].id, rule_id=rule.id,
            quantity=quantity, period=months[month],
        )  # fmt: skip
        amount = quantity * abs(points[which])
        if used.get(key, 0) + amount > caps[which]:
            assert isinstance(problem, MonthlyCapReached)
            assert problem.extra["remaining"] == caps[which] - used.get(key, 0)
            continue
        assert problem is None
        used[key] = used.get(key, 0) + amount
        posted.append((outcome.transfer.id, key, amount))

        for (h, r, period), total in used.items():
            in_ledger = limits.rule_usage(catalogue[r].id, period, [households[h].id])
            assert in_ledger.get(households[h].id, 0) == total <= caps[r]
    assert verify_village(village.id).ok


# --- versions --------------------------------------------------------------------------------

version_op = st.tuples(
    st.just("version"),
    st.integers(-20, 20).filter(bool),  # new points (sign fixed to the rule's below)
    st.integers(0, 2),  # days from today it applies
)
entry_op = st.tuples(st.just("award"), st.integers(1, 3))


@pytest.mark.slow
@SETTINGS
@given(
    first=st.integers(1, 20),
    deducts=st.booleans(),
    operations=st.lists(st.one_of(version_op, entry_op), min_size=1, max_size=20),
)
def test_a_rule_version_change_never_alters_earlier_transfers(make, first, deducts, operations):
    village, [household] = open_village(make, 1)
    sign = -1 if deducts else 1
    rule = rules.create_rule(
        ROOT, village.id, code="v", name="孝老爱亲", category="rule", points=sign * first,
        valid_from=start,
    )  # fmt: skip
    today = local_today(village.timezone)
    in_force_today = sign * first
    recorded: dict[int, tuple[int, int]] = {}  # transfer id -> (amount, rule version id)

    for operation in operations:
        if operation[0] == "version":
            _, new_points, days = operation
            new_points = sign * abs(new_points)
            rules.change_rule(
                ROOT, rule.id, points=new_points, valid_from=today + dt.timedelta(days=days)
            )
            if days == 0:
                in_force_today = new_points
            continue
        quantity = operation[1]
        outcome = service.award_by_rule(
            ROOT, household_id=household.id, rule_id=rule.id, quantity=quantity
        )
        transfer = outcome.transfer
        assert transfer.amount == quantity * abs(in_force_today)
        recorded[transfer.id] = (transfer.amount, transfer.rule_version_id)

        stored = {
            row.id: (row.amount, row.rule_version_id)
            for row in db.session.execute(
                sa.select(Transfer.id, Transfer.amount, Transfer.rule_version_id).where(
                    Transfer.id.in_(recorded)
                )
            )
        }
        assert stored == recorded
    assert verify_village(village.id).ok
