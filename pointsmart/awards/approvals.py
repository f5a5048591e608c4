"""Awards that wait for an administrator: the approvals queue.

An award above the village's ``approval_threshold`` is queued instead of posted (see
``service.submit``); anyone who may award may also queue one on purpose. An admin of the
village decides:

* approve: the award is posted now, as proposed (same household, rule version, quantity,
  points and month), with the approver as the one who posted it; the approval names the
  transfer. The rule is held to what it says now for that month, as a new entry would be:
  a rule retired meanwhile is refused (``rule_inactive``), and the monthly cap checked is
  that of the version in force for the month now (the committee may have set or lowered
  it), against what the household has got from the rule by then.
* reject: nothing is posted; a reason is required.

An award entered on its own also waits when, with the awards the same person already gave
the household that day, it goes over the threshold (``waits_for_approval``).

Nobody decides their own proposal (``SelfApproval``), and a decision is final
(``AlreadyDecided``). Both the proposer and the decider stay on record.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from blinker import Namespace
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..database import utcnow
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.models import AWARD, Transfer
from ..lookups import get_or_refuse
from ..periods import day_bounds, local_today
from ..rules import arithmetic
from ..rules import catalogue as rules
from ..rules.models import Rule, RuleVersion
from ..villages.models import Village
from ..villages.service import find_village
from .errors import AlreadyDecided, SelfApproval
from .limits import check_cap, needs_approval, not_reversed
from .models import APPROVED, PENDING, REJECTED, Approval
from .planning import (
    Plan,
    active_household,
    check_period,
    check_posting_period,
    plan_by_rule,
    post_plan,
)

signals = Namespace()
#: Sent, in the deciding transaction, when an approved award has posted: the sender is the
#: ``Approval``, with the ``plan`` and the ``transfer``. The board hears it to put a red entry
#: that waited for approval on the board (``board.entries``).
award_approved = signals.signal("award-approved")


def awarded_today(actor: Principal, village: Village, household_id: int) -> int:
    """Points ``actor`` awarded the household today (village time), reversed awards left out,
    and awards ``actor`` posted by approving someone's proposal too (already judged).

    Callers hold the household's account lock (``ledger.lock_household_account``), so no
    award to the household can post between this count and what is decided on it.
    """
    if actor.user_id is None:
        return 0
    start, end = day_bounds(local_today(village.timezone), village.timezone)
    return int(
        db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Transfer.amount), 0)).where(
                Transfer.household_id == household_id,
                Transfer.posted_by_id == actor.user_id,
                Transfer.kind == AWARD,
                Transfer.created_at >= start,
                Transfer.created_at < end,
                not_reversed(),
                ~sa.exists().where(Approval.transfer_id == Transfer.id),
            )
        ).scalar_one()
    )


def waits_for_approval(actor: Principal, plan: Plan, village: Village) -> bool:
    """Whether an award entered on its own waits for an admin, counting the day's awards the
    actor already gave the household (see the module's "Approval")."""
    if plan.kind != AWARD:
        return False
    return needs_approval(plan, village, awarded_today(actor, village, plan.household_id))


def queue(
    actor: Principal,
    plan: Plan,
    *,
    board_reason: str | None = None,
    board_photo: str | None = None,
) -> Approval:
    """Put a planned award in the village's approvals queue (nothing is posted)."""
    approval = Approval(
        village_id=plan.village_id,
        household_id=plan.household_id,
        rule_version_id=plan.version.id if plan.version else None,
        quantity=plan.quantity,
        points=plan.points,
        category=plan.category,
        memo=plan.memo,
        period=plan.period,
        status=PENDING,
        proposed_by_id=actor.user_id,
        proposed_at=utcnow(),
        board_reason=board_reason,
        board_photo=board_photo,
    )
    db.session.add(approval)
    db.session.flush()
    return approval


def propose(
    actor: Principal,
    village_id: int,
    *,
    household_id: int,
    rule_id: int | None = None,
    quantity: Any = None,
    points: int | None = None,
    category: str | None = None,
    memo: str | None = None,
    period: str | None = None,
) -> Approval:
    """Queue an award for approval whatever its size (by rule, or ad hoc with points)."""
    village = find_village(village_id)
    actor.require_awarder(village_id)
    active_household(household_id, of_village=village_id)
    ledger.lock_household_account(village_id, household_id)
    if rule_id is not None:
        rule = db.session.get(Rule, rule_id)
        if rule is None or rule.village_id != village_id:
            raise ValidationFailed(errors={"rule_id": [str(_l("No such rule in this village."))]})
        plan = plan_by_rule(
            rule, household_id, quantity, timezone=village.timezone, period=period, memo=memo
        )
        if plan.kind != AWARD:
            raise ValidationFailed(errors={"rule_id": [str(_l("Only awards wait for approval."))]})
    else:
        plan = Plan(
            village_id=village_id,
            household_id=household_id,
            kind=AWARD,
            points=points,
            category=category,
            period=check_period(village.timezone, period),
            memo=memo,
        )
    # Queued for a month, the award posts there on approval: a leader proposes only for the
    # months a leader may enter, as an award that waits for approval is entered.
    check_posting_period(actor, village, plan.period)
    check_cap(plan)
    return queue(actor, plan)


def list_approvals(
    actor: Principal,
    village_id: int,
    *,
    status: str | None = None,
    limit: int = 50,
    after: int | None = None,
) -> list[Approval]:
    """A village's approvals, newest first: all of them for an admin, a leader's own else."""
    find_village(village_id)
    actor.require_awarder(village_id)
    statement = (
        sa.select(Approval)
        .where(Approval.village_id == village_id)
        .order_by(Approval.id.desc())
        .limit(limit + 1)
    )
    if not actor.is_admin_of(village_id):
        statement = statement.where(Approval.proposed_by_id == actor.user_id)
    if status is not None:
        statement = statement.where(Approval.status == status)
    if after is not None:
        statement = statement.where(Approval.id < after)
    return list(db.session.execute(statement).scalars())


def get_approval(actor: Principal, approval_id: int) -> Approval:
    approval = get_or_refuse(Approval, approval_id, _l("No such approval."))
    if not actor.is_admin_of(approval.village_id):
        actor.require_awarder(approval.village_id)
        if approval.proposed_by_id != actor.user_id:
            raise NotFound(_l("No such approval."))
    return approval


def decide(
    actor: Principal, approval_id: int, *, approve: bool, reason: str | None = None
) -> Approval:
    """Approve (post the award) or reject (post nothing) a waiting award; admins only, never
    the proposer, once."""
    approval = get_or_refuse(Approval, approval_id, _l("No such approval."))
    actor.require_admin(approval.village_id)
    if approval.proposed_by_id == actor.user_id:
        raise SelfApproval()
    ledger.lock_household_account(approval.village_id, approval.household_id)
    db.session.refresh(approval, with_for_update=True)
    if approval.status != PENDING:
        raise AlreadyDecided()
    reason = (reason or "").strip() or None
    if not approve and reason is None:
        raise ValidationFailed(errors={"reason": [str(_l("Say why it is rejected."))]})
    transfer = plan = None
    if approve:
        active_household(approval.household_id)
        plan = _plan_of(approval)
        check_cap(_as_the_rule_stands(plan, find_village(approval.village_id)))
        transfer = post_plan(plan, actor.user_id)
    # Every field of the decision at once: the row's CHECKs hold at each flush.
    approval.status = APPROVED if approve else REJECTED
    approval.transfer_id = transfer.id if transfer is not None else None
    approval.decided_by_id = actor.user_id
    approval.decided_at = utcnow()
    approval.decision_reason = reason
    db.session.flush()
    if transfer is not None:
        award_approved.send(approval, plan=plan, transfer=transfer)
        db.session.flush()
    return approval


def _plan_of(approval: Approval) -> Plan:
    version = rule = None
    if approval.rule_version_id is not None:
        version = db.session.get(RuleVersion, approval.rule_version_id)
        rule = db.session.get(Rule, version.rule_id)
    return Plan(
        village_id=approval.village_id,
        household_id=approval.household_id,
        kind=AWARD,
        points=approval.points,
        category=approval.category,
        period=approval.period,
        memo=approval.memo,
        rule=rule,
        version=version,
        quantity=approval.quantity,
    )


def _as_the_rule_stands(plan: Plan, village: Village) -> Plan:
    """The plan with the version of its rule a new entry for its month would use now (the
    one whose cap it is held to); refuses a rule retired since it was proposed."""
    if plan.rule is None:
        return plan
    day = arithmetic.effective_day(village.timezone, plan.period)
    return replace(plan, version=rules.usable_version(plan.rule, day))


def rule_ids_of_versions(version_ids: set[int]) -> dict[int, int]:
    if not version_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(RuleVersion.id, RuleVersion.rule_id).where(RuleVersion.id.in_(version_ids))
        ).all()
    )
