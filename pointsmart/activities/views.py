"""Volunteer activities on the phone: create one, check attendees in (by card or from a list)
and out, correct hours, post the attendance (all or none), see the totals."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ..accounts.auth import login_required
from ..awards.errors import BatchRefused
from ..awards.views.pages import REQUIRED, leader_village
from ..errors import Problem
from ..forms import act_on_page, parse_form, refusal_message
from ..households import lookup
from ..periods import local_today
from ..rules import catalogue as rules
from ..rules.models import HOUR
from ..schemas import A_DAY_OF_THE_CALENDAR
from ..text import Name
from . import attendance as posting
from . import service as activities

bp = Blueprint("activities_pages", __name__, template_folder="templates")


class ActivityForm(Schema):
    title = Name(
        required=True,
        error_messages=REQUIRED,
        validate=validate.Length(1, 100, error=_l("At most %(max)s characters.", max=100)),
    )
    date = fields.Date(
        required=True,
        validate=A_DAY_OF_THE_CALENDAR,
        error_messages={**REQUIRED, "invalid": _l("Give a date.")},
    )
    place = Name(
        load_default="",
        validate=validate.Length(max=100, error=_l("At most %(max)s characters.", max=100)),
    )
    rule_id = fields.Int(required=True, error_messages=REQUIRED)


class HoursForm(Schema):
    hours = fields.Decimal(
        required=True,
        error_messages={**REQUIRED, "special": _l("Give a number.")},
        validate=validate.Range(
            min=0,
            min_inclusive=False,
            max=24,
            error=_l("Give the hours, more than 0 and at most 24."),
        ),
    )


def volunteer_rules(actor, village):
    return [
        r
        for r in rules.list_rules(actor, village.id, category="volunteer", unit=HOUR, active=True)
        if r.current is not None
    ]


def list_page(actor, village, *, errors=None, form=None, status=200):
    return (
        render_template(
            "activities/activities.html",
            village=village,
            activities=activities.list_activities(actor, village.id, limit=30)[:30],
            rules=volunteer_rules(actor, village),
            today=local_today(village.timezone),
            errors=errors or {},
            form=form or {},
        ),
        status,
    )


@bp.route("/leader/<int:village_id>/activities")
@login_required
def activity_list(village_id: int):
    actor, village = leader_village(village_id)
    return list_page(actor, village)


@bp.route("/leader/<int:village_id>/activities", methods=["POST"])
@login_required
def create_activity(village_id: int):
    actor, village = leader_village(village_id)
    values, errors = parse_form(ActivityForm())
    form = request.form.to_dict()

    def page(errors: dict, status: int):
        return list_page(actor, village, errors=errors, form=form, status=status)

    if errors:
        return page(errors, 422)
    payload = {**values, "date": values["date"].isoformat()}

    def produce() -> dict:
        return {"id": activities.create_activity(actor, village_id, **values).id}

    def done(result: dict):
        return redirect(
            url_for("activities_pages.activity", village_id=village_id, activity_id=result["id"])
        )

    return act_on_page(actor, payload, produce, page, done)


def activity_page(actor, village, activity_id, *, errors=None, matches=None, status=200):
    view = activities.get_activity(actor, activity_id)
    if view.village_id != village.id:
        abort(404)
    return (
        render_template(
            "activities/activity.html",
            village=village,
            activity=view,
            errors=errors or [],
            matches=matches,
            query=request.form.get("q", ""),
            member_name=request.form.get("member_name", ""),
        ),
        status,
    )


@bp.route("/leader/<int:village_id>/activities/<int:activity_id>")
@login_required
def activity(village_id: int, activity_id: int):
    actor, village = leader_village(village_id)
    return activity_page(actor, village, activity_id)


def _run(actor, payload, produce, village, activity_id, said=None):
    """Run a form's work once and go back to the activity, saying ``said(result)`` if given;
    on a refusal, show the activity again with the reason (for a batch, each bad attendee's
    too)."""

    def page(lines: list[str], status: int):
        return activity_page(actor, village, activity_id, errors=lines, status=status)

    def done(result: dict):
        if said is not None:
            flash(said(result), "success")
        return redirect(
            url_for("activities_pages.activity", village_id=village.id, activity_id=activity_id)
        )

    return act_on_page(actor, payload, produce, page, done, errors=_refusal_lines)


def _refusal_lines(problem: Problem) -> list[str]:
    if isinstance(problem, BatchRefused):
        return [str(problem.detail)] + [
            f"{e['index'] + 1}: {e['detail']}" for e in problem.extra["entries"]
        ]
    return [refusal_message(problem)]


@bp.route("/leader/<int:village_id>/activities/<int:activity_id>/checkin", methods=["POST"])
@login_required
def check_in(village_id: int, activity_id: int):
    """Check in by a scanned or typed card, or a household picked from the matches."""
    actor, village = leader_village(village_id)
    member_name = (request.form.get("member_name") or "").strip()[:50]
    household_id = request.form.get("household_id", type=int)
    if household_id is None:
        found = _named_household(actor, village_id)
        if found.household_id is None:
            errors = [] if found.matches else [found.error or _("No household matches.")]
            return activity_page(
                actor, village, activity_id, errors=errors, matches=found.matches,
                status=found.status,
            )  # fmt: skip
        household_id = found.household_id
    payload = {"activity_id": activity_id, "household_id": household_id, "member": member_name}

    def produce() -> dict:
        attendance = activities.check_in(
            actor, activity_id, household_id=household_id, member_name=member_name
        )
        return {"id": attendance.id}

    return _run(actor, payload, produce, village, activity_id, lambda _result: _("Checked in."))


def _named_household(actor, village_id: int) -> lookup.Found:
    """The household the scanned or typed text names, or the matches to pick from."""
    query = (request.form.get("q") or "").strip()[:200]
    if not query:
        return lookup.Found(error=_("Scan the card or type a name."), status=422)
    return lookup.look_up(actor, village_id, query, limit=20)


@bp.route(
    "/leader/<int:village_id>/activities/<int:activity_id>/attendances/<int:attendance_id>",
    methods=["POST"],
)
@login_required
def change_attendance(village_id: int, activity_id: int, attendance_id: int):
    """Check out now, correct the hours, or take the attendee out (before posting)."""
    actor, village = leader_village(village_id)
    action = request.form.get("action")
    if action == "hours":
        values, errors = parse_form(HoursForm())
        if errors:
            lines = [m for ms in errors.values() for m in ms]
            return activity_page(actor, village, activity_id, errors=lines, status=422)
        payload = {"attendance": attendance_id, "hours": str(values["hours"])}
        change = partial(activities.correct_hours, actor, attendance_id, values["hours"])
    elif action == "remove":
        payload = {"attendance": attendance_id, "remove": True}
        change = partial(activities.remove_attendance, actor, attendance_id)
    else:
        payload = {"attendance": attendance_id, "checkout": True}
        change = partial(activities.check_out, actor, attendance_id)

    def produce() -> dict:
        change()
        return {}

    return _run(actor, payload, produce, village, activity_id)


@bp.route("/leader/<int:village_id>/activities/<int:activity_id>/post", methods=["POST"])
@login_required
def post_activity(village_id: int, activity_id: int):
    """Post the awards of every attendee waiting, all or none."""
    actor, village = leader_village(village_id)
    payload = {"activity_id": activity_id, "post": True}

    def produce() -> dict:
        transfers = posting.post_recorded(actor, activity_id)
        return {"count": len(transfers), "points": sum(t.amount for t in transfers)}

    def said(result: dict) -> str:
        return _(
            "Posted %(count)s attendees, %(points)s points.",
            count=result["count"],
            points=result["points"],
        )

    return _run(actor, payload, produce, village, activity_id, said)
