"""Awarding and deducting points, by rule or ad hoc; monthly caps, approvals, quotas; corrections.

Every entry is first *planned* (who, how many points, by which rule version, for which month),
then checked, then posted through ``ledger.service``, all in the caller's one transaction:

* **Monthly cap.** A rule version's ``monthly_cap`` bounds the points (absolute) a household
  gets from the rule in one month, counting every version of the rule and leaving out entries
  that were reversed. What would go over is refused (``MonthlyCapReached``, with ``remaining``).
  The household's account is locked before the check, so two entries at once cannot both
  squeeze under the cap.
* **Approval.** An award of more points than the village's ``approval_threshold``, by anyone,
  is not posted: it waits in the approvals queue (``ApprovalRequired`` names it) until an
  admin other than the proposer approves it (see ``approvals``). Deductions never wait. An
  award entered on its own counts together with the awards the same person already posted to
  the household that day (village time, reversed ones left out): ten awards of 50 in a day
  are one award of 500, and the one that goes over the threshold waits. The household's
  account is locked before the count, so two awards at once cannot both slip under it.
  Batches (the monthly scoring grid, attendance) post rule items whose points the committee
  set in the catalogue; each of their entries is held to the threshold on its own.
* **Leader quota.** In a village with ``leader_monthly_quota``, a leader (not an admin) may
  award at most that many points counting for one month (their own awards of that month,
  reversed ones left out). ``LeaderQuotaReached`` says how many remain. The leader's role row
  in the village is locked before the check, so two awards by one leader at once cannot both
  squeeze under the quota.
* **Batches** (the monthly scoring, attendance) post all their entries or none: see
  ``batches``.
* **Corrections.** An admin of the village reverses any transfer with a reason; a leader may
  reverse an entry they posted themselves, on the day they posted it (village time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.models import AWARD, DEDUCT, Transfer
from ..periods import local_day, local_today
from ..villages.models import Village
from ..villages.service import find_village
from .approvals import queue, waits_for_approval
from .errors import (
    CorrectionWindowClosed,
    NotAnAwardOrDeduction,
)
from .limits import cap_remaining, check_cap, check_quota, is_quota_bound, quota_remaining
from .models import Approval
from .planning import (
    Plan,
    active_household,
    check_period,
    check_posting_period,
    plan_by_rule,
    post_plan,
    rule_of_village,
)


@dataclass
class Outcome:
    """What an award request came to: a posted transfer, or an approval that waits."""

    transfer: Transfer | None = None
    approval: Approval | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def preview(actor: Principal, *, household_id: int, rule_id: int, quantity: Any, period=None):
    """What an entry by rule would come to, without posting: the plan and the cap left."""
    household = active_household(household_id)
    actor.require_awarder(household.village_id)
    rule = rule_of_village(rule_id, household.village_id)
    village = find_village(household.village_id)
    plan = plan_by_rule(rule, household_id, quantity, timezone=village.timezone, period=period)
    # Shown what saving it would refuse: the month a leader may not enter.
    check_posting_period(actor, village, plan.period, writing=False)
    remaining = cap_remaining(plan)
    return plan, remaining


def submit(actor: Principal, plan: Plan, village: Village, **approval_fields) -> Outcome:
    """Check a single entry and post it, or queue it for approval (nothing posted)."""
    check_posting_period(actor, village, plan.period)
    check_cap(plan)
    if waits_for_approval(actor, plan, village):
        return Outcome(approval=queue(actor, plan, **approval_fields))
    if plan.kind == AWARD:
        check_quota(actor, village, {plan.period: plan.points})
    return Outcome(transfer=post_plan(plan, actor.user_id))


def award_by_rule(
    actor: Principal,
    *,
    household_id: int,
    rule_id: int,
    quantity: Any,
    period: str | None = None,
    memo: str | None = None,
) -> Outcome:
    """Award or deduct by rule: quantity x the rule's points (in force), rounded half up."""
    household = active_household(household_id)
    actor.require_awarder(household.village_id)
    rule = rule_of_village(rule_id, household.village_id)
    ledger.lock_household_account(household.village_id, household.id)
    village = find_village(household.village_id)
    plan = plan_by_rule(
        rule, household_id, quantity, timezone=village.timezone, period=period, memo=memo
    )
    return submit(actor, plan, village)


def post_adhoc(
    actor: Principal,
    *,
    household_id: int,
    kind: str,
    points: int,
    category: str,
    memo: str | None = None,
    period: str | None = None,
) -> Outcome:
    """Award (``kind="award"``) or deduct points without a rule, by a leader or admin of the
    household's village. The same approval threshold and quota apply as to awards by rule."""
    household = active_household(household_id)
    actor.require_awarder(household.village_id)
    ledger.lock_household_account(household.village_id, household.id)
    village = find_village(household.village_id)
    plan = Plan(
        village_id=village.id,
        household_id=household_id,
        kind=AWARD if kind == "award" else DEDUCT,
        points=points,
        category=category,
        period=check_period(village.timezone, period),
        memo=memo,
    )
    return submit(actor, plan, village)


# --- corrections -----------------------------------------------------------------------------


def reverse_entry(actor: Principal, transfer_id: int, *, reason: str) -> Transfer:
    """Reverse a transfer with a reason: an admin of its village any transfer; a leader an
    award or deduction they posted themselves, on the same day (village time)."""
    original = db.session.execute(
        sa.select(
            Transfer.village_id, Transfer.posted_by_id, Transfer.created_at, Transfer.kind
        ).where(Transfer.id == transfer_id)
    ).one_or_none()
    if original is None:
        raise NotFound(_l("No such transfer."))
    if not actor.is_admin_of(original.village_id):
        own = (
            actor.is_leader_of(original.village_id)
            and actor.user_id is not None
            and original.posted_by_id == actor.user_id
            and original.kind in (AWARD, DEDUCT)
        )
        if not own:
            raise Forbidden(
                _l("Only an administrator, or the leader who made the entry, may reverse it.")
            )
        timezone = find_village(original.village_id).timezone
        if local_day(original.created_at, timezone) != local_today(timezone):
            raise CorrectionWindowClosed()
    if original.kind not in (AWARD, DEDUCT):
        # A sale carries stock and a settlement carries the shop's paid month: undoing only
        # their points would leave those behind. The counter voids a sale with its stock.
        raise NotAnAwardOrDeduction()
    return ledger.reverse(transfer_id, reason=reason, posted_by_id=actor.user_id)


# --- a staff member's month, and the village's award settings --------------------------------


def my_entries(actor: Principal, village_id: int, period: str | None = None) -> dict[str, Any]:
    """The transfers the caller posted in the village that count for ``period`` (default this
    month), newest first, with what remains of their quota."""
    village = find_village(village_id)
    actor.require_awarder(village_id)
    period = check_period(village.timezone, period)
    transfers = list(
        db.session.execute(
            sa.select(Transfer)
            .where(
                Transfer.posted_by_id == actor.user_id,
                Transfer.period == period,
                Transfer.village_id == village_id,
            )
            .order_by(Transfer.id.desc())
            .limit(1000)
        ).scalars()
    )
    return {
        "period": period,
        "transfers": transfers,
        "quota": village.leader_monthly_quota if is_quota_bound(actor, village_id) else None,
        "quota_remaining": quota_remaining(actor, village, period),
    }


SETTINGS = ("approval_threshold", "leader_monthly_quota", "black_board_days", "red_board_days")


def award_settings(actor: Principal, village_id: int) -> Village:
    village = find_village(village_id)
    actor.require_awarder(village_id)
    return village


def change_award_settings(actor: Principal, village_id: int, **changes: Any) -> Village:
    """Change the approval threshold, the leader quota (None: no quota) or the days entries
    stay on the board (admin of the village)."""
    village = find_village(village_id)
    actor.require_admin(village_id)
    before = {name: getattr(village, name) for name in changes if name in SETTINGS}
    for name, value in changes.items():
        if name in SETTINGS:
            setattr(village, name, value)
    db.session.flush()
    changed = audit.diff(before, {name: getattr(village, name) for name in before})
    audit.record_village_update(actor_id=actor.user_id, village_id=village_id, changes=changed)
    return village
