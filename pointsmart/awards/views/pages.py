"""Pages for leaders and admins, on a phone: finding a household (by number, name, member
name, phone or its card), awarding by rule with the points shown before saving, reversing
one's own entry the same day. "My entries" and approvals (``approvals``) and the monthly
scoring grid (``scoring``) register on the same blueprint; activities and the red and black
list have pages of their own (``activities.views``, ``board.views``).

Every form that changes something carries a one-time key (``form_key()``) and runs through
``forms.act_on_page`` (a form sent from a list: ``forms.act``), over ``forms.run_once``: a double
tap or a resent form posts once. A refusal (a cap, a quota, a bad field) shows the page again
with the reason, in the page's language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ...accounts.auth import Principal, login_required, page_principal
from ...accounts.service import display_names
from ...errors import Forbidden, Problem
from ...extensions import db
from ...forms import act, act_on_page, form_refusal, parse_form, refuse_form
from ...households import lookup
from ...households import service as households
from ...ledger import queries as ledger_queries
from ...ledger.models import AWARD, DEDUCT
from ...periods import local_day, local_today
from ...rules import catalogue as rules
from ...text import Text, signed_points
from ...villages import service as villages
from ...villages.models import Village
from .. import approvals, limits, service
from .blueprint import bp

REQUIRED = {"required": _l("Please fill this in."), "invalid": _l("Give a number.")}


# --- helpers for every page ------------------------------------------------------------------


def leader_village(village_id: int) -> tuple[Principal, Village]:
    """The signed-in leader or admin and the village they work in (403 otherwise)."""
    actor = page_principal()
    village = db.session.get(Village, village_id)
    if village is None:
        abort(404)
    actor.require_awarder(village_id)
    return actor, village


def can_reverse(actor: Principal, village: Village, transfer: dict[str, Any]) -> bool:
    """Whether to offer the reverse button: admins always, leaders for their own entries of
    today (the service decides again when it is pressed)."""
    if transfer["reverses_id"] is not None or transfer["reversed_by_id"] is not None:
        return False
    if actor.is_admin_of(village.id):
        return True
    return (
        transfer["posted_by_id"] == actor.user_id
        and transfer["kind"] in (AWARD, DEDUCT)
        and local_day(transfer["created_at"], village.timezone) == local_today(village.timezone)
    )


@bp.app_template_filter("signed")
def signed(value: int) -> str:
    return signed_points(value)


@bp.app_template_filter("hours")
def hours_filter(value) -> str:
    """A quantity without trailing zeros: 2, 2.5, 2.25."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- home ------------------------------------------------------------------------------------


@bp.route("/leader")
@login_required
def home():
    """Straight to the village for a leader of one village; a choice otherwise."""
    actor = page_principal()
    visible = villages.list_villages(actor)
    mine = [v for v in visible if actor.is_admin_of(v.id) or actor.is_leader_of(v.id)]
    if len(mine) == 1:
        return redirect(url_for("awards_pages.village_home", village_id=mine[0].id))
    if not mine:
        raise Forbidden(_l("Only a leader or administrator of a village may do this."))
    return render_template("awards/choose_village.html", villages=mine)


@bp.route("/leader/<int:village_id>")
@login_required
def village_home(village_id: int):
    actor, village = leader_village(village_id)
    return render_template(
        "awards/village_home.html",
        village=village,
        is_admin=actor.is_admin_of(village_id),
        pending=_pending_count(actor, village_id),
    )


def _pending_count(actor: Principal, village_id: int) -> int:
    if not actor.is_admin_of(village_id):
        return 0
    from ..approvals import list_approvals

    return len(list_approvals(actor, village_id, status="pending", limit=500))


# --- finding a household ---------------------------------------------------------------------


@bp.route("/leader/<int:village_id>/households")
@login_required
def find_household(village_id: int):
    """Search by household number, head or member name, phone; or open a scanned card."""
    actor, village = leader_village(village_id)
    query = (request.args.get("q") or "").strip()[:200]
    found = lookup.look_up(actor, village_id, query, limit=30) if query else None
    if found and found.household_id is not None:
        return redirect(
            url_for(
                "awards_pages.household", village_id=village_id, household_id=found.household_id
            )
        )
    return render_template(
        "awards/find_household.html",
        village=village,
        query=query,
        results=found.matches if found and found.error is None else None,
        error=found.error if found else None,
    )


# --- a household, and awarding by rule -------------------------------------------------------


class AwardForm(Schema):
    rule_id = fields.Int(required=True, error_messages=REQUIRED)
    quantity = fields.Decimal(
        required=True,
        error_messages={**REQUIRED, "special": _l("Give a number.")},
        validate=validate.Range(
            min=0, min_inclusive=False, max=1000, error=_l("Give a number above 0.")
        ),
    )
    memo = Text(
        load_default=None,
        validate=validate.Length(max=500, error=_l("At most %(max)s characters.", max=500)),
    )


def render_household(
    actor: Principal,
    village: Village,
    household_id: int,
    *,
    errors: dict | None = None,
    form: dict | None = None,
    status: int = 200,
):
    view = households.get_household(actor, household_id)
    if view.village_id != village.id:
        abort(404)
    catalogue = [
        r
        for r in rules.list_rules(actor, village.id, active=True)
        if r.current is not None and r.category != "volunteer"
    ]
    volunteer = [
        r
        for r in rules.list_rules(actor, village.id, active=True, category="volunteer")
        if r.current is not None
    ]
    history = ledger_queries.household_history(household_id, limit=10, after=None)[:10]
    names = display_names(t["posted_by_id"] for t in history)
    rule_names = {r.id: r.name for r in catalogue + volunteer}
    return (
        render_template(
            "awards/household.html",
            village=village,
            household=view,
            rules=volunteer + catalogue,
            history=history,
            names=names,
            rule_names=rule_names,
            reversible={t["id"] for t in history if can_reverse(actor, village, t)},
            errors=errors or {},
            form=form or {},
        ),
        status,
    )


@bp.route("/leader/<int:village_id>/households/<int:household_id>")
@login_required
def household(village_id: int, household_id: int):
    actor, village = leader_village(village_id)
    return render_household(actor, village, household_id)


@bp.route("/leader/<int:village_id>/households/<int:household_id>/preview", methods=["POST"])
@login_required
def preview_award(village_id: int, household_id: int):
    """The points an award by rule comes to, shown before anything is saved."""
    actor, village = leader_village(village_id)
    values, errors = parse_form(AwardForm())
    page = _award_form_page(actor, village, household_id)
    if errors:
        return page(errors, 422)
    try:
        plan, remaining = service.preview(
            actor, household_id=household_id, rule_id=values["rule_id"], quantity=values["quantity"]
        )
    except Problem as problem:
        return page(form_refusal(problem), problem.status)
    household_view = households.get_household(actor, household_id)
    return render_template(
        "awards/confirm_award.html",
        village=village,
        household=household_view,
        plan=plan,
        remaining=remaining,
        needs_approval=approvals.waits_for_approval(actor, plan, village),
        quota_left=limits.quota_remaining(actor, village, plan.period),
        memo=values.get("memo") or "",
    )


@bp.route("/leader/<int:village_id>/households/<int:household_id>/award", methods=["POST"])
@login_required
def award(village_id: int, household_id: int):
    """Save an award by rule (once per form key)."""
    actor, village = leader_village(village_id)
    values, errors = parse_form(AwardForm())
    page = _award_form_page(actor, village, household_id)
    if errors:
        return page(errors, 422)

    def produce() -> dict:
        return entry_result(service.award_by_rule(actor, household_id=household_id, **values))

    def done(result: dict):
        flash_entry(
            result,
            lambda: _(
                "Recorded %(points)s points. The balance is now %(balance)s.",
                points=signed(result["points"]),
                balance=result["balance"],
            ),
        )
        return redirect(
            url_for("awards_pages.household", village_id=village_id, household_id=household_id)
        )

    return act_on_page(actor, values, produce, page, done)


def _award_form_page(actor: Principal, village: Village, household_id: int):
    """The household's page again with the award form as sent: ``page(errors, status)``."""
    form = request.form.to_dict()
    return lambda errors, status: render_household(
        actor, village, household_id, errors=errors, form=form, status=status
    )


def entry_result(outcome) -> dict:
    """The answer a form keeps of an award or a board entry: sent for approval (its id and
    points), or posted (the transfer, the household's points and its balance after)."""
    if outcome.approval is not None:
        return {"approval_id": outcome.approval.id, "points": outcome.approval.points}
    transfer = outcome.transfer
    return {
        "transfer_id": transfer.id,
        "points": ledger_queries.household_signed_amount(transfer),
        "balance": ledger_queries.household_balance_after(transfer),
    }


def flash_entry(result: dict, recorded: Callable[[], str]) -> None:
    """What became of an award or a board entry: sent for an admin's approval, or
    ``recorded()``."""
    if "approval_id" in result:
        message = _(
            "%(points)s points is above the approval threshold: sent for approval.",
            points=result["points"],
        )
    else:
        message = recorded()
    flash(message, "success")


# --- reversing -------------------------------------------------------------------------------


class ReverseForm(Schema):
    reason = Text(
        required=True,
        error_messages=REQUIRED,
        validate=validate.Length(1, 500, error=_l("Give a reason for the reversal.")),
    )
    next = fields.Str(load_default=None)


@bp.route("/leader/<int:village_id>/transfers/<int:transfer_id>/reverse", methods=["POST"])
@login_required
def reverse(village_id: int, transfer_id: int):
    """Reverse an entry with a reason (admins any, leaders their own of today)."""
    actor, _village = leader_village(village_id)
    values, errors = parse_form(ReverseForm())
    back = _safe_back(request.form.get("next"), village_id)
    if errors:
        return refuse_form(errors, back)
    payload = {"transfer_id": transfer_id, "reason": values["reason"]}

    def produce() -> dict:
        reversal = service.reverse_entry(actor, transfer_id, reason=values["reason"])
        return {"points": ledger_queries.household_signed_amount(reversal)}

    def done(result: dict) -> str:
        return _("Reversed: %(points)s points.", points=signed(result["points"]))

    return act(actor, payload, produce, back, done)


def _safe_back(target: str | None, village_id: int) -> str:
    if target and target.startswith(f"/leader/{village_id}") and "//" not in target:
        return target
    return url_for("awards_pages.village_home", village_id=village_id)
