"""JSON API: awards and deductions (by rule, ad hoc, in batches), approvals, corrections and
the award settings. The rule catalogue's API is ``rules.api``; activities' and the red and
black list's are their packages' own.

Every POST that posts transfers takes an ``Idempotency-Key``. An award that has to wait for
approval answers 409 ``approval_required``, naming the approval it created: that answer is
kept with the key like a success (the approval *was* created), so a retry gets the same
approval instead of a second one.
"""

from __future__ import annotations

from collections.abc import Callable

from ...accounts.auth import Principal, current_principal
from ...api import Blueprint
from ...idempotent import idempotent_call
from ...ledger.queries import transfer_view
from ...ledger.schemas import ReversalIn
from ...schemas import page_of
from ...villages.service import find_village
from .. import approvals, batches, service
from ..errors import ApprovalRequired
from ..models import Approval
from ..schemas import (
    ApprovalList,
    ApprovalOut,
    ApprovalQuery,
    AwardIn,
    AwardOut,
    BatchIn,
    BatchOut,
    DecisionIn,
    MonthQuery,
    MyEntries,
    PreviewOut,
    PreviewQuery,
    ProposalIn,
    SettingsIn,
    SettingsOut,
)

blp = Blueprint("awards", __name__, description="Rules, awards, approvals and batches")

IDEMPOTENCY_HEADER = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 64},
        }
    ]
}
WAITS = {"description": "approval_required: the award waits in the approvals queue"}


def post_once(actor: Principal, payload, produce: Callable[[], dict], status: int = 201):
    """Run ``produce`` once per Idempotency-Key; a queued award is answered 409 and kept."""
    return idempotent_call(actor, payload, produce, status, keep=(ApprovalRequired,))


def waiting(approval: Approval) -> ApprovalRequired:
    return ApprovalRequired(
        approval_id=approval.id, approval=ApprovalOut().dump(approval_view(approval))
    )


def approval_view(approval: Approval) -> dict:
    rule_ids = approvals.rule_ids_of_versions({approval.rule_version_id} - {None})
    view = {name: getattr(approval, name) for name in ApprovalOut().fields if name != "rule_id"}
    view["rule_id"] = rule_ids.get(approval.rule_version_id)
    return view


def award_body(transfer, rule_id=None) -> dict:
    return AwardOut().dump(transfer_view(transfer, rule_id=rule_id))


def outcome_body(outcome, rule_id=None) -> dict:
    if outcome.approval is not None:
        raise waiting(outcome.approval)
    return award_body(outcome.transfer, rule_id)


# --- awards ----------------------------------------------------------------------------------


@blp.route("/transfers", methods=["POST"])
@blp.arguments(AwardIn)
@blp.response(201, AwardOut)
@blp.alt_response(409, description=WAITS["description"])
@blp.doc(**IDEMPOTENCY_HEADER)
def post_transfer(data):
    """Award or deduct points (leader or admin of the household's village).

    By rule: ``{household_id, rule_id, quantity (or hours), period?, memo?}``; the points are
    quantity x the rule's points in force, rounded half up. Ad hoc: ``{household_id, kind,
    points, category, memo?, period?}``. 409 ``monthly_cap_reached`` (with ``remaining``),
    ``approval_required`` (with ``approval_id``), ``leader_quota_reached`` (with ``remaining``).
    """
    actor = current_principal()

    def produce():
        if data.get("rule_id") is not None:
            outcome = service.award_by_rule(
                actor,
                household_id=data["household_id"],
                rule_id=data["rule_id"],
                quantity=data["quantity"],
                period=data["period"],
                memo=data["memo"],
            )
            return outcome_body(outcome, data["rule_id"])
        fields = {name: data[name] for name in ("kind", "points", "category", "memo", "period")}
        return outcome_body(service.post_adhoc(actor, household_id=data["household_id"], **fields))

    return post_once(actor, data, produce)


@blp.route("/transfers/preview", methods=["GET"])
@blp.arguments(PreviewQuery, location="query")
@blp.response(200, PreviewOut)
def preview_transfer(query):
    """What an entry by rule would come to, without posting anything."""
    actor = current_principal()
    plan, remaining = service.preview(actor, **query)
    village = find_village(plan.village_id)
    return {
        "household_id": plan.household_id,
        "rule_id": plan.rule.id,
        "rule_version_id": plan.version.id,
        "quantity": plan.quantity,
        "points": plan.signed_points,
        "period": plan.period,
        "cap_remaining": remaining,
        "needs_approval": approvals.waits_for_approval(actor, plan, village),
    }


@blp.route("/transfers/batch", methods=["POST"])
@blp.arguments(BatchIn)
@blp.response(201, BatchOut)
@blp.doc(**IDEMPOTENCY_HEADER)
def post_batch(data):
    """Score many households by one rule for a month: all entries post, or none does.

    409 ``batch_refused`` lists every bad entry (``index``, ``household_id``, ``code``,
    ``detail``); 409 ``leader_quota_reached`` when the whole would go over the quota.
    """
    actor = current_principal()

    def produce():
        entries = [batches.BatchEntry(**entry) for entry in data["entries"]]
        transfers = batches.post_batch(
            actor, entries, period=data["period"], rule_id=data["rule_id"], memo=data["memo"]
        )
        items = [award_body(t, data["rule_id"]) for t in transfers]
        return {
            "items": items,
            "count": len(items),
            "points": sum(item["amount"] for item in items),
        }

    return post_once(actor, data, produce)


@blp.route("/transfers/<int:transfer_id>/reversal", methods=["POST"])
@blp.arguments(ReversalIn)
@blp.response(201, AwardOut)
@blp.doc(**IDEMPOTENCY_HEADER)
def reverse_transfer(data, transfer_id):
    """Reverse a transfer with a reason, once: an admin of its village any transfer, a leader
    their own entry on the day they made it (409 ``correction_window_closed`` after)."""
    actor = current_principal()

    def produce():
        reversal = service.reverse_entry(actor, transfer_id, reason=data["reason"])
        rule_ids = approvals.rule_ids_of_versions({reversal.rule_version_id} - {None})
        return award_body(reversal, rule_ids.get(reversal.rule_version_id))

    return post_once(actor, data, produce)


@blp.route("/villages/<int:village_id>/my-entries", methods=["GET"])
@blp.arguments(MonthQuery, location="query")
@blp.response(200, MyEntries)
def my_entries(query, village_id):
    """The caller's own entries of a month (default this month) and their quota left."""
    month = service.my_entries(current_principal(), village_id, query["period"])
    rule_ids = approvals.rule_ids_of_versions(
        {t.rule_version_id for t in month["transfers"]} - {None}
    )
    month["items"] = [
        transfer_view(t, rule_id=rule_ids.get(t.rule_version_id)) for t in month.pop("transfers")
    ]
    return month


# --- approvals -------------------------------------------------------------------------------


@blp.route("/villages/<int:village_id>/approvals", methods=["GET"])
@blp.arguments(ApprovalQuery, location="query")
@blp.response(200, ApprovalList)
def list_approvals(query, village_id):
    """Awards waiting for (or decided by) an admin, newest first; a leader sees their own."""
    rows = approvals.list_approvals(current_principal(), village_id, **query)
    return page_of([approval_view(a) for a in rows], query["limit"], lambda row: row["id"])


@blp.route("/villages/<int:village_id>/approvals", methods=["POST"])
@blp.arguments(ProposalIn)
@blp.response(201, ApprovalOut)
def propose(data, village_id):
    """Queue an award for an admin's approval, whatever its size (nothing is posted)."""
    approval = approvals.propose(current_principal(), village_id, **data)
    return approval_view(approval)


@blp.route("/approvals/<int:approval_id>", methods=["GET"])
@blp.response(200, ApprovalOut)
def get_approval(approval_id):
    return approval_view(approvals.get_approval(current_principal(), approval_id))


@blp.route("/approvals/<int:approval_id>/decision", methods=["POST"])
@blp.arguments(DecisionIn)
@blp.response(200, ApprovalOut)
@blp.doc(**IDEMPOTENCY_HEADER)
def decide(data, approval_id):
    """Approve (posts the award) or reject (posts nothing, reason required); an admin of the
    village who did not propose it (403 ``self_approval``); once (409 ``already_decided``)."""
    actor = current_principal()

    def produce():
        approval = approvals.decide(
            actor, approval_id, approve=data["approve"], reason=data["reason"]
        )
        return ApprovalOut().dump(approval_view(approval))

    return post_once(actor, data, produce, status=200)


# --- settings --------------------------------------------------------------------------------


@blp.route("/villages/<int:village_id>/award-settings", methods=["GET"])
@blp.response(200, SettingsOut)
def get_settings(village_id):
    """Approval threshold, leader quota and days on the board (leaders and admins)."""
    return service.award_settings(current_principal(), village_id)


@blp.route("/villages/<int:village_id>/award-settings", methods=["PATCH"])
@blp.arguments(SettingsIn)
@blp.response(200, SettingsOut)
def change_settings(data, village_id):
    """Change them (admin of the village)."""
    return service.change_award_settings(current_principal(), village_id, **data)
