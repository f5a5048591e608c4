"""Red and black list entries (with a photo), "my entries this month", and the approvals
queue for admins."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ...accounts.auth import login_required
from ...errors import Problem
from ...extensions import db
from ...forms import parse_form, run_once
from ...ledger import queries as ledger_queries
from ...villages import service as villages
from .. import approvals, board, objections, rules, service
from ..photos import MAX_BYTES
from .pages import (
    REQUIRED,
    bp,
    can_reverse,
    leader_village,
    problem_message,
    signed,
    user_names,
)


class EntryForm(Schema):
    rule_id = fields.Int(required=True, error_messages=REQUIRED)
    quantity = fields.Decimal(
        load_default=1,
        error_messages={"invalid": _l("Give a number."), "special": _l("Give a number.")},
        validate=validate.Range(
            min=0, min_inclusive=False, max=1000, error=_l("Give a number above 0.")
        ),
    )
    reason = fields.Str(
        required=True,
        error_messages=REQUIRED,
        validate=validate.Length(1, 500, error=_l("At most %(max)s characters.", max=500)),
    )


def entry_page(actor, village, household_id, *, errors=None, form=None, status=200):
    view = villages.get_household(actor, household_id)
    if view.village_id != village.id:
        from flask import abort

        abort(404)
    choices = [
        r
        for r in rules.list_rules(actor, village.id, active=True)
        if r.category in ("red", "black") and r.current is not None
    ]
    return (
        render_template(
            "awards/board_entry.html",
            village=village,
            household=view,
            rules=choices,
            errors=errors or {},
            form=form or {},
            max_mb=MAX_BYTES // (1024 * 1024),
        ),
        status,
    )


@bp.route("/leader/<int:village_id>/households/<int:household_id>/board-entry")
@login_required
def board_entry_form(village_id: int, household_id: int):
    actor, village = leader_village(village_id)
    return entry_page(actor, village, household_id)


@bp.route("/leader/<int:village_id>/households/<int:household_id>/board-entry", methods=["POST"])
@login_required
def board_entry(village_id: int, household_id: int):
    """A red or black entry with its reason and an optional photo (JPEG or PNG)."""
    actor, village = leader_village(village_id)
    values, errors = parse_form(EntryForm())
    form = request.form.to_dict()
    if errors:
        return entry_page(actor, village, household_id, errors=errors, form=form, status=422)
    upload = request.files.get("photo")
    photo = upload.read(MAX_BYTES + 1) if upload and upload.filename else None
    payload = {
        "household_id": household_id,
        "rule_id": values["rule_id"],
        "quantity": str(values["quantity"]),
        "reason": values["reason"],
        "photo": len(photo) if photo else None,
    }

    def produce() -> dict:
        outcome = board.create_entry(
            actor,
            household_id=household_id,
            rule_id=values["rule_id"],
            reason=values["reason"],
            quantity=values["quantity"],
            photo=photo,
            village_id=village_id,
        )
        if outcome.approval is not None:
            return {"approval_id": outcome.approval.id, "points": outcome.approval.points}
        return {"points": ledger_queries.household_signed_amount(outcome.transfer)}

    try:
        result = run_once(actor, payload, produce)
    except Problem as problem:
        db.session.rollback()
        return entry_page(
            actor, village, household_id, errors={"form": problem_message(problem)}, form=form,
            status=problem.status,
        )  # fmt: skip
    if "approval_id" in result:
        flash(
            _(
                "%(points)s points is above the approval threshold: sent for approval.",
                points=result["points"],
            ),
            "success",
        )
    else:
        flash(_("Entry made: %(points)s points.", points=signed(result["points"])), "success")
    return redirect(url_for("awards_pages.board_list", village_id=village_id))


@bp.route("/leader/<int:village_id>/board")
@login_required
def board_list(village_id: int):
    """The village's red and black entries, newest first, with whether each is on the board."""
    actor, village = leader_village(village_id)
    entries = board.list_entries(actor, village_id, limit=50)[:50]
    return render_template(
        "awards/board_list.html",
        village=village,
        entries=entries,
        names=user_names(e["created_by_id"] for e in entries),
    )


# --- my entries ------------------------------------------------------------------------------


@bp.route("/leader/<int:village_id>/mine")
@login_required
def my_entries(village_id: int):
    """What the signed-in leader posted this month (or a chosen month), with their quota."""
    actor, village = leader_village(village_id)
    period = request.args.get("period")
    try:
        month = service.my_entries(actor, village_id, period)
    except Problem:
        month = service.my_entries(actor, village_id, None)
    reversed_by = {}
    ids = [t.id for t in month["transfers"]]
    if ids:
        import sqlalchemy as sa

        from ...ledger.models import Transfer

        reversed_by = dict(
            db.session.execute(
                sa.select(Transfer.reverses_id, Transfer.id).where(Transfer.reverses_id.in_(ids))
            ).all()
        )
    rule_ids = ledger_queries.rule_ids_of_versions(
        {t.rule_version_id for t in month["transfers"]} - {None}
    )
    items = [
        ledger_queries.transfer_view(t, reversed_by.get(t.id), rule_ids.get(t.rule_version_id))
        for t in month["transfers"]
    ]
    households = _household_numbers({t["household_id"] for t in items} - {None})
    rule_names = {r.id: r.name for r in rules.list_rules(actor, village_id)}
    mine = approvals.list_approvals(actor, village_id, limit=50)
    mine = [a for a in mine if a.proposed_by_id == actor.user_id][:20]
    return render_template(
        "awards/my_entries.html",
        village=village,
        month=month,
        items=items,
        households=households,
        rule_names=rule_names,
        reversible={t["id"] for t in items if can_reverse(actor, village, t)},
        approvals=mine,
        total=sum(t["amount"] for t in items if t["kind"] == "award"),
    )


def _household_numbers(ids) -> dict[int, str]:
    if not ids:
        return {}
    import sqlalchemy as sa

    from ...villages.models import Household

    rows = db.session.execute(
        sa.select(Household.id, Household.number, Household.head_name).where(Household.id.in_(ids))
    ).all()
    return {row.id: f"{row.number} {row.head_name}" for row in rows}


# --- approvals (admins) ----------------------------------------------------------------------


@bp.route("/leader/<int:village_id>/approvals")
@login_required
def approval_queue(village_id: int):
    actor, village = leader_village(village_id)
    actor.require_admin(village_id)
    waiting = approvals.list_approvals(actor, village_id, status="pending", limit=200)
    return render_template(
        "awards/approvals.html",
        village=village,
        approvals=waiting,
        households=_household_numbers({a.household_id for a in waiting}),
        names=user_names(a.proposed_by_id for a in waiting),
        me=actor.user_id,
    )


class DecisionForm(Schema):
    decision = fields.Str(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = fields.Str(load_default=None, validate=validate.Length(max=500))


@bp.route("/leader/<int:village_id>/approvals/<int:approval_id>", methods=["POST"])
@login_required
def decide(village_id: int, approval_id: int):
    actor, _village = leader_village(village_id)
    values, errors = parse_form(DecisionForm())
    if errors:
        flash(" ".join(m for ms in errors.values() for m in ms), "error")
        return redirect(url_for("awards_pages.approval_queue", village_id=village_id))
    approve = values["decision"] == "approve"
    payload = {"approval_id": approval_id, "approve": approve, "reason": values.get("reason")}

    def produce() -> dict:
        decided = approvals.decide(actor, approval_id, approve=approve, reason=values.get("reason"))
        return {"status": decided.status}

    try:
        result = run_once(actor, payload, produce)
    except Problem as problem:
        if problem.status == 403:
            raise  # not this person's to do: a refusal, not a form message
        db.session.rollback()
        flash(" ".join(problem_message(problem)), "error")
        return redirect(url_for("awards_pages.approval_queue", village_id=village_id))
    flash(
        _("Approved and posted.") if result["status"] == "approved" else _("Rejected."), "success"
    )
    return redirect(url_for("awards_pages.approval_queue", village_id=village_id))


# --- objections (admins) ---------------------------------------------------------------------


@bp.route("/leader/<int:village_id>/objections")
@login_required
def objection_queue(village_id: int):
    """Objections waiting for a decision, each with the entry it is about."""
    actor, village = leader_village(village_id)
    waiting = objections.list_objections(actor, village_id, status="pending")
    entries = {
        view["id"]: view
        for view in board.entries_view(
            [board.find_entry(o.entry_id) for o in waiting],
            rules.local_today(village.timezone),
        )
    }
    return render_template(
        "awards/objections.html",
        village=village,
        objections=waiting,
        entries=entries,
        households=_household_numbers({o.household_id for o in waiting}),
    )


class ObjectionDecisionForm(Schema):
    decision = fields.Str(required=True, validate=validate.OneOf(["uphold", "dismiss"]))
    reason = fields.Str(
        required=True,
        error_messages={"required": _l("Say why, in words.")},
        validate=validate.Length(1, 500, error=_l("Say why, in words.")),
    )


@bp.route("/leader/<int:village_id>/objections/<int:objection_id>", methods=["POST"])
@login_required
def decide_objection(village_id: int, objection_id: int):
    """Uphold (the entry's points are reversed) or dismiss, with a reason either way."""
    actor, _village = leader_village(village_id)
    back = url_for("awards_pages.objection_queue", village_id=village_id)
    values, errors = parse_form(ObjectionDecisionForm())
    if errors:
        flash(" ".join(m for ms in errors.values() for m in ms), "error")
        return redirect(back)
    uphold = values["decision"] == "uphold"
    payload = {"objection_id": objection_id, "uphold": uphold, "reason": values["reason"]}

    def produce() -> dict:
        decided = objections.decide_objection(
            actor, objection_id, uphold=uphold, reason=values["reason"]
        )
        return {"status": decided.status}

    try:
        result = run_once(actor, payload, produce)
    except Problem as problem:
        if problem.status == 403:
            raise  # not this person's to do: a refusal, not a form message
        db.session.rollback()
        flash(" ".join(problem_message(problem)), "error")
        return redirect(back)
    flash(
        _("Upheld: the entry's points were reversed.")
        if result["status"] == "upheld"
        else _("Dismissed: the entry stands."),
        "success",
    )
    return redirect(back)
