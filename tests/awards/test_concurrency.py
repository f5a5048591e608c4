"""Monthly caps and leader quotas hold when many leaders press save at once: real threads,
real connections, real commits (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from pointsmart.extensions import db
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.rules.catalogue import create_rule
from tests.factories import ROOT, Factories
from tests.ledger.test_concurrency import run_at_once

CLIENTS = 16


def test_concurrent_awards_never_go_over_a_monthly_cap(fresh_app):
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        household = make.household(village)
        rule = create_rule(
            ROOT, village.id, code="ljfl", name="垃圾分类", category="rule", points=5,
            monthly_cap=30, valid_from=dt.date(2020, 1, 1),
        )  # fmt: skip
        leaders = [make.staff("leader", village) for _ in range(CLIENTS)]
        db.session.commit()
        village_id, household_id, rule_id = village.id, household.id, rule.id

    def award(index):
        response = fresh_app.test_client().post(
            "/api/v1/transfers",
            json={"household_id": household_id, "rule_id": rule_id, "quantity": 1},
            headers={**leaders[index].auth, "Idempotency-Key": f"cap-{index}"},
        )
        return response.status_code, response.get_json().get("code")

    outcomes = run_at_once(CLIENTS, award)

    assert outcomes.count((201, None)) == 6
    assert outcomes.count((409, "monthly_cap_reached")) == CLIENTS - 6
    with fresh_app.app_context():
        total = db.session.execute(
            sa.select(sa.func.sum(Transfer.amount)).where(Transfer.household_id == household_id)
        ).scalar_one()
        assert total == 30
        assert verify_village(village_id).ok


def test_one_leaders_awards_at_once_never_go_over_the_quota(fresh_app):
    """The quota is checked under the leader's own row lock, not the village's chain head:
    sixteen awards to sixteen households at once, each of 5 points, against a quota of 30."""
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        village.leader_monthly_quota = 30
        households = [make.household(village) for _ in range(CLIENTS)]
        leader = make.staff("leader", village)
        db.session.commit()
        village_id, household_ids = village.id, [h.id for h in households]

    def award(index):
        response = fresh_app.test_client().post(
            "/api/v1/transfers",
            json={
                "household_id": household_ids[index],
                "kind": "award",
                "points": 5,
                "category": "volunteer",
            },
            headers={**leader.auth, "Idempotency-Key": f"quota-{index}"},
        )
        return response.status_code, response.get_json().get("code")

    outcomes = run_at_once(CLIENTS, award)

    assert outcomes.count((201, None)) == 6
    assert outcomes.count((409, "leader_quota_reached")) == CLIENTS - 6
    with fresh_app.app_context():
        total = db.session.execute(
            sa.select(sa.func.sum(Transfer.amount)).where(Transfer.village_id == village_id)
        ).scalar_one()
        assert total == 30
        assert verify_village(village_id).ok
