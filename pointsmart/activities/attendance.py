"""Posting a volunteer activity's attendance: one award per attendee, all or none.

Hours x the rule's points per hour in force on the activity's day, rounded half up, counting
for the month of the activity; the hours are kept on the transfer and the attendance names it.
An attendee whose award stands is refused; one whose award was reversed is posted again (see
``activities``: the correction path for hours posted wrong).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..awards.batches import BatchEntry, entry_problem, plan_batch
from ..awards.errors import BatchRefused
from ..awards.planning import post_plan
from ..errors import Problem, ValidationFailed
from ..extensions import db
from ..ledger.models import Transfer
from ..periods import local_today
from ..rules.models import Rule
from ..villages.service import find_village
from .attendees import attendee_name, find_attendance
from .models import Activity, Attendance
from .service import activity_for, reopen_if_reversed


def post_attendance(
    actor: Principal, activity_id: int, entries: list[dict[str, Any]]
) -> list[Transfer]:
    """Post one award per attendee ``{household_id, member_name, hours}``: all, or none.

    Attendees already recorded (checked in) take the given hours; others are recorded now.
    The activity's row is locked first, before any attendance is read: two postings at once
    post once, and the second is refused (``already_posted``) as if it came later.
    An attendee whose award stands is refused (named with the others); one whose award was
    reversed is posted again with the given hours.
    """
    activity = activity_for(actor, activity_id, lock=True)
    rule = db.session.get(Rule, activity.rule_id)
    period = f"{activity.date:%Y-%m}"  # the month of the activity's (village-local) day
    village = find_village(activity.village_id)
    if activity.date > local_today(village.timezone):
        raise ValidationFailed(errors={"activity": [str(_l("The activity has not happened yet."))]})
    problems = []
    rows: list[Attendance | None] = []
    seen: set[tuple[int, str]] = set()
    names: list[str] = []
    for index, entry in enumerate(entries):
        row = None
        try:
            name = attendee_name(
                entry["household_id"], entry.get("member_name"), activity.village_id
            )
            names.append(name)
            row = find_attendance(activity.id, entry["household_id"], name)
            if (entry["household_id"], name) in seen:
                raise ValidationFailed(
                    _l("The same attendee appears twice."),
                    errors={"member_name": [str(_l("Listed twice."))]},
                )
            seen.add((entry["household_id"], name))
            if row is not None and row.transfer_id is not None:
                reopen_if_reversed(actor, row)
        except Problem as problem:
            problems.append(entry_problem(index, entry["household_id"], problem))
            if len(names) == index:
                names.append("")
        rows.append(row)
    memo_of = _memo(activity)
    batch = [
        BatchEntry(
            household_id=entry["household_id"],
            quantity=entry["hours"],
            rule_id=rule.id,
            memo=memo_of(name),
        )
        for entry, name in zip(entries, names, strict=True)
    ]
    try:
        _, plans = plan_batch(
            actor, batch, period=period, day=activity.date, once_per_household=False
        )
    except BatchRefused as refused:
        known = {p["index"] for p in problems}
        problems += [p for p in refused.extra["entries"] if p["index"] not in known]
        problems.sort(key=lambda p: p["index"])
    if problems:
        raise BatchRefused(
            _l("%(bad)s of %(all)s entries cannot be posted.", bad=len(problems), all=len(entries)),
            entries=problems,
        )
    transfers = []
    for entry, name, row, plan in zip(entries, names, rows, plans, strict=True):
        transfer = post_plan(plan, actor.user_id)
        if row is None:
            row = Attendance(
                activity_id=activity.id,
                household_id=entry["household_id"],
                member_name=name,
                recorded_by_id=actor.user_id,
            )
            db.session.add(row)
        row.hours = plan.quantity
        row.transfer_id = transfer.id
        transfers.append(transfer)
    db.session.flush()
    return transfers


def post_recorded(actor: Principal, activity_id: int) -> list[Transfer]:
    """Post every recorded, not yet posted attendee of the activity with their hours."""
    activity = activity_for(actor, activity_id, lock=True)
    waiting = list(
        db.session.execute(
            sa.select(Attendance)
            .where(Attendance.activity_id == activity.id, Attendance.transfer_id.is_(None))
            .order_by(Attendance.id)
        ).scalars()
    )
    if not waiting:
        raise ValidationFailed(errors={"activity": [str(_l("Nobody is waiting to be posted."))]})
    missing = [a for a in waiting if a.hours is None]
    if missing:
        raise ValidationFailed(
            errors={"hours": [str(_l("Check out or enter the hours of everyone first."))]}
        )
    return post_attendance(
        actor,
        activity_id,
        [
            {"household_id": a.household_id, "member_name": a.member_name, "hours": a.hours}
            for a in waiting
        ],
    )


def _memo(activity: Activity):
    def memo(member_name: str) -> str:
        who = f" · {member_name}" if member_name else ""
        return f"{activity.title}{who}"[:500]

    return memo
