"""The limits an entry is checked against before it posts: a rule's monthly cap, the
village's approval threshold and a leader's monthly quota (see ``service`` for the rules).
Each check locks what it counts (the household's account, the leader's role row) before it
counts, so two entries at once cannot both squeeze under a limit."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from ..accounts.auth import Principal
from ..accounts.models import RoleAssignment
from ..extensions import db
from ..ledger.models import AWARD, Transfer
from ..rules.models import RuleVersion
from ..villages.models import Village
from .errors import (
    LeaderQuotaReached,
    MonthlyCapReached,
)
from .planning import Plan


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
