"""JSON API: volunteer activities, checking attendees in and out, posting their hours."""

from __future__ import annotations

from ..accounts.auth import current_principal
from ..api import Blueprint
from ..awards.api.routes import IDEMPOTENCY_HEADER, award_body, post_once
from ..households.cards import resolve_card
from ..schemas import PageQuery, page_of
from . import attendance as posting
from . import service as activities
from .schemas import (
    ActivityIn,
    ActivityList,
    ActivityOut,
    AttendanceIn,
    AttendanceOut,
    AttendanceRowOut,
    CheckInIn,
    HoursIn,
)

blp = Blueprint("activities", __name__, description="Volunteer activities and their attendance")


def activity_body(view) -> dict:
    body = {name: getattr(view, name) for name in ActivityOut().fields if name != "rule"}
    body["rule"] = {"id": view.rule.id, "code": view.rule.code, "name": view.rule.name}
    return body


@blp.route("/villages/<int:village_id>/activities", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, ActivityList)
def list_activities(query, village_id):
    """Activities of the village, latest day first (leaders and admins)."""
    rows = activities.list_activities(current_principal(), village_id, **query)
    return page_of(rows, query["limit"], lambda row: row.id)


@blp.route("/villages/<int:village_id>/activities", methods=["POST"])
@blp.arguments(ActivityIn)
@blp.response(201, ActivityOut)
def create_activity(data, village_id):
    """Create an activity paid by a volunteer rule counted in hours."""
    return activity_body(activities.create_activity(current_principal(), village_id, **data))


@blp.route("/activities/<int:activity_id>", methods=["GET"])
@blp.response(200, ActivityOut)
def get_activity(activity_id):
    """An activity with its attendees, total hours and total points."""
    return activity_body(activities.get_activity(current_principal(), activity_id))


@blp.route("/activities/<int:activity_id>/checkins", methods=["POST"])
@blp.arguments(CheckInIn)
@blp.response(201, AttendanceRowOut)
def check_in(data, activity_id):
    """Check an attendee in now, by household id or by the card (URL, token or short code)."""
    actor = current_principal()
    household_id = data["household_id"]
    if household_id is None:
        household_id = resolve_card(data["card"])
    return activities.check_in(
        actor, activity_id, household_id=household_id, member_name=data["member_name"]
    )


@blp.route("/attendances/<int:attendance_id>/checkout", methods=["POST"])
@blp.response(200, AttendanceRowOut)
def check_out(attendance_id):
    """Check an attendee out now: the hours become check-in to check-out."""
    return activities.check_out(current_principal(), attendance_id)


@blp.route("/attendances/<int:attendance_id>", methods=["PATCH"])
@blp.arguments(HoursIn)
@blp.response(200, AttendanceRowOut)
def correct_hours(data, attendance_id):
    """Correct an attendee's hours before posting."""
    return activities.correct_hours(current_principal(), attendance_id, data["hours"])


@blp.route("/activities/<int:activity_id>/attendance", methods=["POST"])
@blp.arguments(AttendanceIn(many=True))
@blp.response(201, AttendanceOut)
@blp.doc(**IDEMPOTENCY_HEADER)
def post_attendance(data, activity_id):
    """Post one award per attendee ``[{household_id, member_name, hours}]``: all, or none
    (409 ``batch_refused`` names every bad entry). Hours are kept on each transfer."""
    actor = current_principal()

    def produce():
        transfers = posting.post_attendance(actor, activity_id, data)
        items = [award_body(t) for t in transfers]
        return {
            "activity_id": activity_id,
            "items": items,
            "count": len(items),
            "hours": float(sum(t.quantity for t in transfers)),
            "points": sum(item["amount"] for item in items),
        }

    return post_once(actor, data, produce)
