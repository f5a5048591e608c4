"""An activity's attendance posted from several clients at once (two leaders pressing 待记分
together, a retry under a new key) pays each attendee once: real threads, real connections,
real commits (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from pointsmart.activities import service as activities
from pointsmart.extensions import db
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import local_today
from tests.awards.conftest import add_rule
from tests.factories import Factories
from tests.ledger.test_concurrency import run_at_once

CLIENTS = 6


def test_attendance_posted_at_once_under_different_keys_pays_each_attendee_once(fresh_app):
    """On PostgreSQL every one of the postings paid every attendee (the check that an
    attendance stands unposted read it before any lock); the activity's row is now locked
    first, and the others are refused ``already_posted`` within ``batch_refused``."""
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        leaders = [make.staff("leader", village) for _ in range(CLIENTS)]
        households = [make.household(village) for _ in range(2)]
        start = dt.date(2020, 1, 1)
        rule = add_rule(village, "zyfw", "志愿服务", "volunteer", 10, unit="hour", valid_from=start)
        principal = leaders[0].principal
        activity = activities.create_activity(
            principal, village.id, title="清扫村道", date=local_today(village.timezone),
            rule_id=rule.id,
        )  # fmt: skip
        for household in households:
            activities.check_in(principal, activity.id, household_id=household.id)
        db.session.commit()
        village_id, activity_id = village.id, activity.id
    body = [{"household_id": household.id, "hours": 2} for household in households]

    def post(index):
        response = fresh_app.test_client().post(
            f"/api/v1/activities/{activity_id}/attendance",
            json=body,
            headers={**leaders[index].auth, "Idempotency-Key": f"attendance-{index}"},
        )
        answer = response.get_json()
        return response.status_code, {e["code"] for e in answer.get("entries", [])}

    outcomes = run_at_once(CLIENTS, post)

    assert sorted(outcomes, key=lambda o: o[0]) == [(201, set())] + [(409, {"already_posted"})] * (
        CLIENTS - 1
    )
    with fresh_app.app_context():
        paid = db.session.execute(
            sa.select(Transfer.household_id, Transfer.amount).where(
                Transfer.village_id == village_id
            )
        ).all()
        assert sorted(paid) == sorted((household.id, 20) for household in households)
        assert verify_village(village_id).ok
