"""A leader's own entries of the month ("my entries", with the quota left) and the approvals
queue where admins approve or reject the awards that wait."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from ...accounts.auth import login_required
from ...accounts.service import display_names
from ...errors import Problem
from ...forms import act, parse_form, refuse_form
from ...households import service as households
from ...ledger import queries as ledger_queries
from ...rules import catalogue as rules
from ...text import Text
from .. import approvals, service
from .blueprint import bp
from .pages import can_reverse, leader_village

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
    items = ledger_queries.transfer_views(month["transfers"])
    labels = households.household_labels({t["household_id"] for t in items} - {None})
    rule_names = {r.id: r.name for r in rules.list_rules(actor, village_id)}
    mine = approvals.list_approvals(actor, village_id, limit=50)
    mine = [a for a in mine if a.proposed_by_id == actor.user_id][:20]
    return render_template(
        "awards/my_entries.html",
        village=village,
        month=month,
        items=items,
        households=labels,
        rule_names=rule_names,
        reversible={t["id"] for t in items if can_reverse(actor, village, t)},
        approvals=mine,
        total=sum(t["amount"] for t in items if t["kind"] == "award"),
    )


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
        households=households.household_labels({a.household_id for a in waiting}),
        names=display_names(a.proposed_by_id for a in waiting),
        me=actor.user_id,
    )


class DecisionForm(Schema):
    decision = fields.Str(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = Text(load_default=None, validate=validate.Length(max=500))


@bp.route("/leader/<int:village_id>/approvals/<int:approval_id>", methods=["POST"])
@login_required
def decide(village_id: int, approval_id: int):
    actor, _village = leader_village(village_id)
    values, errors = parse_form(DecisionForm())
    back = url_for("awards_pages.approval_queue", village_id=village_id)
    if errors:
        return refuse_form(errors, back)
    approve = values["decision"] == "approve"
    payload = {"approval_id": approval_id, "approve": approve, "reason": values.get("reason")}

    def produce() -> dict:
        decided = approvals.decide(actor, approval_id, approve=approve, reason=values.get("reason"))
        return {"status": decided.status}

    def done(result: dict) -> str:
        return _("Approved and posted.") if result["status"] == "approved" else _("Rejected.")

    return act(actor, payload, produce, back, done)
