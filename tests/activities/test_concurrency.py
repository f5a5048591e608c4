"""An activity's attendance posted from several clients at once (two leaders pressing 待记分
together, a retry under a new key) pays each attendee once: real threads, real connections,
real commits (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from pointsmart.activities import service as activities
from pointsmart.activities.models import Attendance
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


def _checked_in_an_hour_ago(fresh_app, rounds: int):
    """``rounds`` activities of today, each with one household checked in an hour ago."""
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        leaders = [make.staff("leader", village) for _ in range(CLIENTS)]
        household = make.household(village)
        start = dt.date(2020, 1, 1)
        rule = add_rule(village, "zyfw", "志愿服务", "volunteer", 10, unit="hour", valid_from=start)
        principal = leaders[0].principal
        attendances = []
        for _ in range(rounds):
            activity = activities.create_activity(
                principal, village.id, title="清扫村道", date=local_today(village.timezone),
                rule_id=rule.id,
            )  # fmt: skip
            attendance = activities.check_in(principal, activity.id, household_id=household.id)
            attendance.checked_in_at -= dt.timedelta(hours=1)
            attendances.append((activity.id, attendance.id))
        db.session.commit()
        return village.id, household.id, leaders, attendances


def test_one_attendee_checked_out_from_several_clients_at_once_is_checked_out_once(fresh_app):
    """On PostgreSQL every check-out was taken (each read the attendance unchecked-out before
    any lock) and each counted the hours again; the activity's row is now locked first, as
    posting locks it, and the others are refused ``already_checked_out``."""
    _, _, leaders, attendances = _checked_in_an_hour_ago(fresh_app, rounds=3)

    for _, attendance_id in attendances:

        def check_out(index, attendance_id=attendance_id):
            response = fresh_app.test_client().post(
                f"/api/v1/attendances/{attendance_id}/checkout",
                headers={**leaders[index].auth, "Idempotency-Key": f"out-{attendance_id}-{index}"},
            )
            return response.status_code, response.get_json().get("code")

        outcomes = run_at_once(CLIENTS, check_out)

        assert sorted(outcomes, key=str) == [(200, None)] + [(409, "already_checked_out")] * (
            CLIENTS - 1
        )


def test_a_check_out_while_the_attendance_is_posted_never_changes_the_posted_hours(fresh_app):
    """On PostgreSQL a check-out that read the attendance before a posting committed wrote
    its own hours over the posted ones: the attendance said 1 hour, its award paid for 3.
    Now one runs after the other: checked out then posted (with the posted hours), or posted
    then refused ``already_posted``."""
    village_id, household_id, leaders, attendances = _checked_in_an_hour_ago(fresh_app, rounds=12)

    for activity_id, attendance_id in attendances:

        def check_out_or_post(index, activity_id=activity_id, attendance_id=attendance_id):
            client = fresh_app.test_client()
            headers = {**leaders[index].auth, "Idempotency-Key": f"{attendance_id}-{index}"}
            if index == 0:
                response = client.post(
                    f"/api/v1/activities/{activity_id}/attendance",
                    json=[{"household_id": household_id, "hours": 3}],
                    headers=headers,
                )
            else:
                response = client.post(
                    f"/api/v1/attendances/{attendance_id}/checkout", headers=headers
                )
            return response.status_code, response.get_json().get("code")

        outcomes = run_at_once(2, check_out_or_post)

        assert outcomes[0] == (201, None)
        assert outcomes[1] in ((200, None), (409, "already_posted"))
    with fresh_app.app_context():
        posted = db.session.execute(
            sa.select(Attendance.hours, Transfer.quantity).join(
                Transfer, Transfer.id == Attendance.transfer_id
            )
        ).all()
        assert posted == [(3, 3)] * len(attendances)
        assert verify_village(village_id).ok
