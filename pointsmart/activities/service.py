"""Volunteer activities (志愿服务) paid by the hour.

* An activity has a title, a day, a place and one volunteer rule counted in hours.
* Attendees (a household member each; the household without a name is its head) are checked
  in and out, by card or from a list; the
  hours come from check-in to check-out, to the hundredth, and may be corrected until posted.
* Posting the attendance posts one award per attendee (hours x the rule's points per hour in
  force on the activity's day, rounded half up; the hours are kept on the transfer), all or
  none, counting for the month of the activity. A posted attendance does not change while its
  award stands.
* A mistake in posted hours is corrected by reversing the attendee's award (an admin, or the
  leader who posted it on the same day). The attendance is then open again: check the
  attendee in again (a fresh check-in and check-out), or set the right hours, and post it
  anew. It then names the new award; the reversed one and its reversal stay in the ledger,
  and the audit log (``attendance.reopen``) names the award that was reversed.

Posting is ``attendance``'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..awards.errors import (
    AlreadyCheckedOut,
    AlreadyPosted,
    CheckedOutTooSoon,
    NotTheActivityDay,
    WrongRuleKind,
)
from ..awards.planning import active_household, rule_of_village
from ..database import utcnow
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..ledger import queries as ledger_queries
from ..ledger.models import Transfer
from ..lookups import get_or_refuse
from ..periods import local_today
from ..rules import arithmetic
from ..rules.models import HOUR, Rule
from ..villages.service import find_village
from .attendees import attendee_name, find_attendance
from .models import Activity, Attendance

HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class ActivityView:
    activity: Activity
    rule: Rule
    attendees: list[dict[str, Any]]
    total_hours: Decimal
    total_points: int
    pending_hours: Decimal

    def __getattr__(self, name: str) -> Any:
        return getattr(self.activity, name)


def _volunteer_rule(rule_id: int, village_id: int) -> Rule:
    rule = rule_of_village(rule_id, village_id)
    if rule.unit != HOUR or rule.category != "volunteer":
        raise WrongRuleKind(_l("Choose a volunteer rule counted in hours."))
    return rule


def create_activity(
    actor: Principal,
    village_id: int,
    *,
    title: str,
    date: dt.date,
    rule_id: int,
    place: str = "",
) -> ActivityView:
    """Create a volunteer activity (leader or admin of the village)."""
    find_village(village_id)
    actor.require_awarder(village_id)
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(errors={"title": [str(_l("Give the activity a title."))]})
    rule = _volunteer_rule(rule_id, village_id)
    if not rule.active:
        raise ValidationFailed(errors={"rule_id": [str(_l("This rule is no longer in use."))]})
    activity = Activity(
        village_id=village_id,
        title=title,
        date=date,
        place=(place or "").strip(),
        rule_id=rule.id,
        created_by_id=actor.user_id,
    )
    db.session.add(activity)
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action="activity.create",
        target_type="activity",
        target_id=activity.id,
        changes={"title": title, "date": date.isoformat(), "rule_id": rule.id},
    )
    return get_activity(actor, activity.id)


def list_activities(
    actor: Principal, village_id: int, *, limit: int = 50, after: int | None = None
) -> list[Activity]:
    find_village(village_id)
    actor.require_awarder(village_id)
    statement = (
        sa.select(Activity)
        .where(Activity.village_id == village_id)
        .order_by(Activity.date.desc(), Activity.id.desc())
        .limit(limit + 1)
    )
    if after is not None:
        statement = statement.where(Activity.id < after)
    return list(db.session.execute(statement).scalars())


def activity_for(actor: Principal, activity_id: int, *, lock: bool = False) -> Activity:
    """The activity, for its village's leaders and admins. ``lock``: its row is locked
    (``SELECT ... FOR UPDATE``; SQLite's writes take the whole database anyway) for posting
    its attendance, so that two postings at once run one after the other and the second
    reads the attendance the first posted (else each paid every attendee)."""
    activity = get_or_refuse(Activity, activity_id, _l("No such activity."))
    actor.require_awarder(activity.village_id)
    if lock:
        db.session.refresh(activity, with_for_update=True)
    return activity


def get_activity(actor: Principal, activity_id: int) -> ActivityView:
    """An activity with its attendees, their hours and points, and the totals.

    ``total_hours`` and ``total_points`` count posted attendance whose award stands (not
    reversed); ``pending_hours`` what is recorded but not yet posted.
    """
    activity = activity_for(actor, activity_id)
    rule = db.session.get(Rule, activity.rule_id)
    rows = db.session.execute(
        sa.select(Attendance, Household.number, Household.head_name)
        .join(Household, Household.id == Attendance.household_id)
        .where(Attendance.activity_id == activity.id)
        .order_by(Attendance.id)
    ).all()
    transfer_ids = [a.transfer_id for a, *_ in rows if a.transfer_id is not None]
    amounts: dict[int, int] = {}
    reversed_ids: set[int] = set()
    if transfer_ids:
        amounts = dict(
            db.session.execute(
                sa.select(Transfer.id, Transfer.amount).where(Transfer.id.in_(transfer_ids))
            ).all()
        )
        reversed_ids = set(ledger_queries.reversals_of(transfer_ids))
    attendees = []
    total_hours, pending_hours, total_points = Decimal(0), Decimal(0), 0
    for attendance, number, head_name in rows:
        posted = attendance.transfer_id is not None
        stands = posted and attendance.transfer_id not in reversed_ids
        hours = attendance.hours
        if stands:
            total_hours += hours
            total_points += amounts[attendance.transfer_id]
        elif not posted and hours is not None:
            pending_hours += hours
        attendees.append(
            {
                "id": attendance.id,
                "household_id": attendance.household_id,
                "number": number,
                "head_name": head_name,
                "member_name": attendance.member_name,
                "checked_in_at": attendance.checked_in_at,
                "checked_out_at": attendance.checked_out_at,
                "hours": hours,
                "transfer_id": attendance.transfer_id,
                "points": amounts.get(attendance.transfer_id) if posted else None,
                "reversed": posted and not stands,
            }
        )
    return ActivityView(
        activity=activity,
        rule=rule,
        attendees=attendees,
        total_hours=total_hours,
        total_points=total_points,
        pending_hours=pending_hours,
    )


# --- checking in and out ---------------------------------------------------------------------


def check_in(
    actor: Principal, activity_id: int, *, household_id: int, member_name: str = ""
) -> Attendance:
    """Record that a household member arrived (now). Checking in twice keeps the first time.

    The activity's row is locked first, as posting locks it: a check-in that reopens an
    attendance whose award was reversed cannot write over a posting of it at the same moment.
    """
    activity = activity_for(actor, activity_id, lock=True)
    require_the_activity_day(activity)
    active_household(household_id, of_village=activity.village_id)
    member_name = attendee_name(household_id, member_name, activity.village_id)
    attendance = find_attendance(activity.id, household_id, member_name)
    if attendance is None:
        attendance = Attendance(
            activity_id=activity.id,
            household_id=household_id,
            member_name=member_name,
            checked_in_at=utcnow(),
            recorded_by_id=actor.user_id,
        )
        db.session.add(attendance)
        db.session.flush()
    elif attendance.transfer_id is not None:
        # Its award was reversed (or this is refused): a fresh check-in, hours to come.
        reopen_if_reversed(actor, attendance)
        attendance.checked_in_at = utcnow()
        attendance.checked_out_at = None
        attendance.hours = None
        attendance.recorded_by_id = actor.user_id
        db.session.flush()
    return attendance


def _attendance(actor: Principal, attendance_id: int, *, reopen: bool = True) -> Attendance:
    """An attendance that may change: not posted, or (with ``reopen``) posted with an award
    that was reversed, which opens it again (``reopen_if_reversed``).

    The activity's row is locked, as posting its attendance locks it, and the attendance is
    read again under that lock: a change and a posting (or two changes) at once run one after
    the other. Without it, on PostgreSQL, a check-out tapped as the attendance was posted
    wrote its hours over the posted ones, and two check-outs at once were both taken."""
    attendance = get_or_refuse(Attendance, attendance_id, _l("No such attendance."))
    activity_for(actor, attendance.activity_id, lock=True)
    attendance = db.session.get(Attendance, attendance_id, populate_existing=True)
    if attendance is None:  # removed meanwhile
        raise NotFound(_l("No such attendance."))
    if attendance.transfer_id is not None:
        if not reopen:
            raise AlreadyPosted()
        reopen_if_reversed(actor, attendance)
    return attendance


def reopen_if_reversed(actor: Principal, attendance: Attendance) -> None:
    """Open a posted attendance again when its award was reversed; refuse it
    (``AlreadyPosted``) while the award stands. The reversed award stays in the ledger and
    the audit log names it."""
    reversed_award = db.session.execute(
        sa.select(Transfer.id).where(Transfer.reverses_id == attendance.transfer_id)
    ).first()
    if reversed_award is None:
        raise AlreadyPosted()
    _record_attendance(
        actor,
        attendance,
        "attendance.reopen",
        {"transfer_id": attendance.transfer_id, "hours": attendance.hours},
    )
    attendance.transfer_id = None
    db.session.flush()


def require_the_activity_day(activity: Activity) -> None:
    """Check-in and check-out say "now": on another day than the activity's (in the village's
    time zone) they would count hours nobody served, a forgotten check-out a whole night."""
    if local_today(find_village(activity.village_id).timezone) != activity.date:
        raise NotTheActivityDay()


def hours_between(start: dt.datetime, end: dt.datetime) -> Decimal | None:
    """Hours from check-in to check-out, to the hundredth (half up); None when under 0.01."""
    seconds = Decimal((end - start).total_seconds())
    hours = (seconds / 3600).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    if hours <= 0:
        return None
    return min(hours, arithmetic.MAX_HOURS)


def check_out(actor: Principal, attendance_id: int) -> Attendance:
    """Record that the attendee left (now); the hours become check-in to check-out.

    Refused (``CheckedOutTooSoon``, nothing recorded) when that is under 0.01 hours (36 s): it
    would leave the attendee checked out with no hours, looking merely checked in. An attendee
    whose award was reversed checks in again first (its old check-in is not this one).
    Checking out twice is refused (``AlreadyCheckedOut``): a second tap, from a page left open
    or another leader's phone, would count the hours again to now over any the leader had
    corrected by hand.
    """
    attendance = _attendance(actor, attendance_id, reopen=False)
    if attendance.checked_out_at is not None:
        raise AlreadyCheckedOut()
    require_the_activity_day(db.session.get(Activity, attendance.activity_id))
    now = utcnow()
    if attendance.checked_in_at is not None:
        hours = hours_between(attendance.checked_in_at, now)
        if hours is None:
            raise CheckedOutTooSoon()
        attendance.hours = hours
    attendance.checked_out_at = now
    db.session.flush()
    return attendance


def correct_hours(actor: Principal, attendance_id: int, hours: Any) -> Attendance:
    """Set an attendee's hours by hand: before posting, or after its award was reversed (the
    correction path for hours posted wrong)."""
    attendance = _attendance(actor, attendance_id)
    before = attendance.hours
    attendance.hours = arithmetic.normalise_quantity(HOUR, hours)
    db.session.flush()
    changes = {"hours": [before, attendance.hours]}
    _record_attendance(actor, attendance, "attendance.correct", changes)
    return attendance


def remove_attendance(actor: Principal, attendance_id: int) -> None:
    """Take out an attendee recorded by mistake (before posting, or after its award was
    reversed)."""
    attendance = _attendance(actor, attendance_id)
    _record_attendance(
        actor,
        attendance,
        "attendance.remove",
        {"member_name": attendance.member_name, "hours": attendance.hours},
    )
    db.session.delete(attendance)
    db.session.flush()


def _record_attendance(actor: Principal, attendance: Attendance, action: str, changes) -> None:
    """Edits of an attendee before posting: the hours decide the points paid."""
    activity = db.session.get(Activity, attendance.activity_id)
    audit.record(
        actor_id=actor.user_id,
        village_id=activity.village_id,
        action=action,
        target_type="activity",
        target_id=activity.id,
        changes={"household_id": attendance.household_id, **changes},
    )
