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

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from ..accounts.auth import Principal
from ..accounts.models import RoleAssignment
from ..audit import service as audit
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.errors import AccountClosed
from ..ledger.models import AWARD, DEDUCT, Transfer
from ..periods import current_period, is_valid_period, previous_periods
from ..villages.models import Household, Village
from . import rules
from .errors import (
    CorrectionWindowClosed,
    LeaderQuotaReached,
    MonthlyCapReached,
    NotAnAwardOrDeduction,
)
from .models import Approval, Rule, RuleVersion


@dataclass
class Plan:
    """One entry, worked out and ready to check and post."""

    village_id: int
    household_id: int
    kind: str  # AWARD or DEDUCT
    points: int  # > 0
    category: str
    period: str
    memo: str | None = None
    rule: Rule | None = None
    version: RuleVersion | None = None
    quantity: Decimal | None = None

    @property
    def signed_points(self) -> int:
        return self.points if self.kind == AWARD else -self.points


@dataclass
class Outcome:
    """What an award request came to: a posted transfer, or an approval that waits."""

    transfer: Transfer | None = None
    approval: Approval | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- households, villages, periods -----------------------------------------------------------


def active_household(household_id: int) -> Any:
    """The household's row (id, village_id, status, number, head_name); refuses a household
    that moved away (``AccountClosed``)."""
    household = db.session.execute(
        sa.select(
            Household.id,
            Household.village_id,
            Household.status,
            Household.number,
            Household.head_name,
        ).where(Household.id == household_id)
    ).one_or_none()
    if household is None:
        raise NotFound(_l("No such household."))
    if household.status != "active":
        raise AccountClosed()
    return household


def village_of(village_id: int) -> Village:
    village = db.session.get(Village, village_id)
    if village is None:
        raise NotFound(_l("No such village."))
    return village


def check_period(timezone: str, period: str | None) -> str:
    today = current_period(timezone)
    if period is None:
        return today
    if not is_valid_period(period):
        raise ValidationFailed(errors={"period": [str(_l("A period is written YYYY-MM."))]})
    if period > today:
        raise ValidationFailed(errors={"period": [str(_l("The period is in the future."))]})
    return period


def check_posting_period(actor: Principal, village: Village, period: str) -> None:
    """Leaders enter points for this month or the one before; older months are the
    committee's (an admin's) to correct, since their leaderboard and notice sheet may already
    be published."""
    if actor.is_admin_of(village.id):
        return
    earliest = previous_periods(current_period(village.timezone), 2)[0]
    if period < earliest:
        raise ValidationFailed(
            errors={
                "period": [
                    str(
                        _l(
                            "Leaders enter points for this month and last month only; "
                            "ask the village committee about older months."
                        )
                    )
                ]
            }
        )


# --- planning --------------------------------------------------------------------------------


def plan_by_rule(
    rule: Rule,
    household_id: int,
    quantity: Any,
    *,
    timezone: str,
    period: str | None = None,
    day: dt.date | None = None,
    memo: str | None = None,
) -> Plan:
    """Work out an entry by rule: the version in force, the quantity, the rounded points."""
    period = check_period(timezone, period)
    quantity = rules.normalise_quantity(rule.unit, quantity)
    version = rules.usable_version(rule, rules.effective_day(timezone, period, day))
    points = rules.points_for(quantity, abs(version.points))
    if points <= 0:
        raise ValidationFailed(errors={"quantity": [str(_l("This comes to 0 points."))]})
    if points > ledger.MAX_AMOUNT:
        raise ValidationFailed(errors={"quantity": [str(_l("This comes to too many points."))]})
    return Plan(
        village_id=rule.village_id,
        household_id=household_id,
        kind=AWARD if version.points > 0 else DEDUCT,
        points=points,
        category=rule.category,
        period=period,
        memo=memo,
        rule=rule,
        version=version,
        quantity=quantity,
    )


def preview(actor: Principal, *, household_id: int, rule_id: int, quantity: Any, period=None):
    """What an entry by rule would come to, without posting: the plan and the cap left."""
    household = active_household(household_id)
    actor.require_awarder(household.village_id)
    rule = _rule_of_village(rule_id, household.village_id)
    village = village_of(household.village_id)
    plan = plan_by_rule(rule, household_id, quantity, timezone=village.timezone, period=period)
    remaining = cap_remaining(plan)
    return plan, remaining


def _rule_of_village(rule_id: int, village_id: int) -> Rule:
    rule = db.session.get(Rule, rule_id)
    if rule is None or rule.village_id != village_id:
        raise ValidationFailed(errors={"rule_id": [str(_l("No such rule in this village."))]})
    return rule


# --- checks ----------------------------------------------------------------------------------


def not_reversed(transfer=Transfer):
    """SQL: the transfer is an original entry that was not reversed."""
    reversal = aliased(Transfer)
    return sa.and_(
        transfer.reverses_id.is_(None),
        ~sa.exists().where(reversal.reverses_id == transfer.id),
    )


def rule_usage(rule_id: int, period: str, household_ids: Iterable[int]) -> dict[int, int]:
    """Points (absolute) each household got from the rule in the period, reversals left out."""
    household_ids = list(household_ids)
    if not household_ids:
        return {}
    versions = sa.select(RuleVersion.id).where(RuleVersion.rule_id == rule_id)
    rows = db.session.execute(
        sa.select(Transfer.household_id, sa.func.sum(Transfer.amount))
        .where(
            Transfer.rule_version_id.in_(versions),
            Transfer.period == period,
            Transfer.household_id.in_(household_ids),
            not_reversed(),
        )
        .group_by(Transfer.household_id)
    ).all()
    return {household_id: int(total) for household_id, total in rows}


def cap_remaining(plan: Plan, already: int = 0) -> int | None:
    """Points the household may still get from the plan's rule this month (None: no cap)."""
    if plan.version is None or plan.version.monthly_cap is None:
        return None
    used = rule_usage(plan.rule.id, plan.period, [plan.household_id]).get(plan.household_id, 0)
    return max(plan.version.monthly_cap - used - already, 0)


def check_cap(plan: Plan, already: int = 0) -> None:
    remaining = cap_remaining(plan, already)
    if remaining is not None and plan.points > remaining:
        raise MonthlyCapReached(
            _l(
                "The rule allows %(cap)s points a month; %(remaining)s remain for this household.",
                cap=plan.version.monthly_cap,
                remaining=remaining,
            ),
            remaining=remaining,
            monthly_cap=plan.version.monthly_cap,
        )


def needs_approval(plan: Plan, village: Village, already: int = 0) -> bool:
    """Whether the award must wait for an admin: its points, with ``already`` (the points the
    same person awarded the household earlier that day), go over the approval threshold."""
    return plan.kind == AWARD and plan.points + already > village.approval_threshold


def is_quota_bound(actor: Principal, village_id: int) -> bool:
    """Quotas bind leaders; an admin of the village awards without one."""
    return actor.is_leader_of(village_id) and not actor.is_admin_of(village_id)


def quota_used(user_id: int, village_id: int, period: str) -> int:
    return int(
        db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Transfer.amount), 0)).where(
                Transfer.posted_by_id == user_id,
                Transfer.period == period,
                Transfer.village_id == village_id,
                Transfer.kind == AWARD,
                Transfer.household_id.is_not(None),
                not_reversed(),
            )
        ).scalar_one()
    )


def quota_remaining(actor: Principal, village: Village, period: str) -> int | None:
    if village.leader_monthly_quota is None or not is_quota_bound(actor, village.id):
        return None
    used = quota_used(actor.user_id, village.id, period)
    return max(village.leader_monthly_quota - used, 0)


def lock_quota(actor: Principal, village_id: int) -> None:
    """Lock the leader's role in the village (the row their quota belongs to) until the
    transaction ends: one leader's awards are checked against the quota one at a time."""
    db.session.execute(
        sa.select(RoleAssignment.id)
        .where(
            RoleAssignment.user_id == actor.user_id,
            RoleAssignment.village_id == village_id,
            RoleAssignment.role == "leader",
        )
        .with_for_update()
    ).all()


def check_quota(actor: Principal, village: Village, awards_by_period: dict[str, int]) -> None:
    if village.leader_monthly_quota is not None and is_quota_bound(actor, village.id):
        lock_quota(actor, village.id)
    for period, points in sorted(awards_by_period.items()):
        remaining = quota_remaining(actor, village, period)
        if remaining is not None and points > remaining:
            raise LeaderQuotaReached(
                _l(
                    "Your quota is %(quota)s points a month; %(remaining)s remain for %(period)s.",
                    quota=village.leader_monthly_quota,
                    remaining=remaining,
                    period=period,
                ),
                remaining=remaining,
                quota=village.leader_monthly_quota,
                period=period,
            )


# --- posting ---------------------------------------------------------------------------------


def post_plan(plan: Plan, posted_by_id: int | None) -> Transfer:
    post = ledger.award if plan.kind == AWARD else ledger.deduct
    return post(
        plan.village_id,
        plan.household_id,
        plan.points,
        category=plan.category,
        memo=plan.memo,
        period=plan.period,
        posted_by_id=posted_by_id,
        rule_version_id=plan.version.id if plan.version else None,
        quantity=plan.quantity,
    )


def submit(actor: Principal, plan: Plan, village: Village, **approval_fields) -> Outcome:
    """Check a single entry and post it, or queue it for approval (nothing posted)."""
    check_posting_period(actor, village, plan.period)
    check_cap(plan)
    from .approvals import queue, waits_for_approval

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
    rule = _rule_of_village(rule_id, household.village_id)
    ledger.lock_household_account(household.village_id, household.id)
    village = village_of(household.village_id)
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
    village = village_of(household.village_id)
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
        timezone = village_of(original.village_id).timezone
        if rules.local_today(timezone, original.created_at) != rules.local_today(timezone):
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
    village = village_of(village_id)
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
    village = village_of(village_id)
    actor.require_awarder(village_id)
    return village


def change_award_settings(actor: Principal, village_id: int, **changes: Any) -> Village:
    """Change the approval threshold, the leader quota (None: no quota) or the days entries
    stay on the board (admin of the village)."""
    village = village_of(village_id)
    actor.require_admin(village_id)
    before = {name: getattr(village, name) for name in changes if name in SETTINGS}
    for name, value in changes.items():
        if name in SETTINGS:
            setattr(village, name, value)
    db.session.flush()
    changed = audit.diff(before, {name: getattr(village, name) for name in before})
    audit.record_village_update(actor_id=actor.user_id, village_id=village_id, changes=changed)
    return village
