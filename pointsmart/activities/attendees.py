"""Who came to an activity: a registered member of a household, or its head.

The household without a name is its head, whether the name is given or not, so the head is
one attendee however checked in; an attendance kept without a name before is the head's.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..households.models import Household, Member
from ..text import clean_name, name_problem
from .models import Attendance


def attendee_name(household_id: int, member_name: str | None, village_id: int) -> str:
    """Who of the household came: a registered member or its head, by the name as it is
    registered. The household without a name is its head: checked in once by card and once
    by the head's name, the head was paid twice.

    A name no one can tell from another (an invisible character in it), or a name that is
    not the household's, is refused: otherwise one household could be paid for ``甲``, ``乙``
    and ``甲`` with a zero-width space, three people of whom only one exists.
    """
    problem = name_problem(member_name or "")
    if problem:
        raise ValidationFailed(errors={"member_name": [problem]})
    name = clean_name(member_name or "")
    head = db.session.execute(
        sa.select(Household.head_name).where(
            Household.id == household_id, Household.village_id == village_id
        )
    ).scalar_one_or_none()
    if head is None:
        raise NotFound(_l("No such household in this village."))
    if not name or name == clean_name(head):
        return clean_name(head)
    registered = db.session.execute(
        sa.select(Member.name).where(Member.household_id == household_id)
    ).scalars()
    if name not in {clean_name(n) for n in registered}:
        raise ValidationFailed(
            _l("%(name)s is not a member of this household.", name=name),
            errors={
                "member_name": [
                    str(
                        _l(
                            "%(name)s is not a registered member of this household: choose one "
                            "of its members, or ask the village committee to add them first.",
                            name=name,
                        )
                    )
                ]
            },
        )
    return name


def find_attendance(activity_id: int, household_id: int, member_name: str) -> Attendance | None:
    """The attendee's attendance; for the head, also one kept without a name (before the
    household without a name was its head)."""
    head = sa.select(Household.head_name).where(Household.id == household_id).scalar_subquery()
    same = sa.or_(
        Attendance.member_name == member_name,
        sa.and_(Attendance.member_name == "", sa.literal(member_name) == head),
    )
    return db.session.execute(
        sa.select(Attendance)
        .where(
            Attendance.activity_id == activity_id,
            Attendance.household_id == household_id,
            same,
        )
        .order_by(Attendance.id)
        .limit(1)
    ).scalar_one_or_none()
