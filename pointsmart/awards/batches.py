"""Batches of entries by rule (the monthly scoring, an activity's attendance): every entry is
planned and checked first, and all of them post, or none does.

Every bad entry is named in ``BatchRefused`` (its index, household, code and detail). Caps
count the batch's own earlier entries too. An entry above the approval threshold cannot be in
a batch (it would have to wait on its own); it is refused and named like any other. The
leader's quota is checked on the batch's total.

The monthly scoring (``post_batch``: ``POST /transfers/batch`` and the scoring grid) scores a
household once per rule and month: a rule without a monthly cap that already scored the
household for the month (an entry that stands, not reversed) is refused for it
(``AlreadyScored``), whatever Idempotency-Key or form the second batch comes with. A rule with
a cap allows more entries in a month, as many as fit under the cap. Attendance is not the
monthly scoring: a household may be paid for several activities of a month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import NotFound, Problem, ValidationFailed
from ..ledger import service as ledger
from ..ledger.models import AWARD, Transfer
from ..rules import catalogue as rules
from ..rules.models import Rule
from ..villages.models import Village
from ..villages.service import find_village
from .errors import AlreadyScored, ApprovalRequired, BatchRefused
from .limits import check_cap, check_quota, needs_approval, rule_usage
from .planning import (
    Plan,
    active_household,
    check_period,
    check_posting_period,
    plan_by_rule,
    post_plan,
    rule_of_village,
)

MAX_BATCH = 500


@dataclass
class BatchEntry:
    household_id: int
    quantity: Any
    rule_id: int | None = None
    memo: str | None = None


def entry_problem(index: int, household_id: int, problem: Problem, **extra) -> dict[str, Any]:
    detail = problem.detail if problem.detail is not None else problem.title
    body = {
        "index": index,
        "household_id": household_id,
        "code": problem.code,
        "detail": str(detail),
    }
    if problem.errors:
        body["errors"] = problem.errors
    body.update({k: v for k, v in problem.extra.items() if k in ("remaining", "monthly_cap")})
    body.update(extra)
    return body


def plan_batch(
    actor: Principal,
    entries: list[BatchEntry],
    *,
    period: str | None = None,
    rule_id: int | None = None,
    day: dt.date | None = None,
    memo: str | None = None,
    once_per_household: bool = True,
    once_per_month: bool = False,
) -> tuple[Village, list[Plan]]:
    """Plan and check every entry of a batch; raises ``BatchRefused`` naming each bad one.

    The village is the rule's (every rule and household must be of it). Caps count the
    batch's own earlier entries too. The same household and rule twice is refused, unless
    ``once_per_household`` is off (attendance: two members of one household). With
    ``once_per_month`` (the monthly scoring) a rule without a cap that already scored a
    household for the period is refused for it (``AlreadyScored``).
    """
    if not entries:
        raise ValidationFailed(errors={"entries": [str(_l("Give at least one entry."))]})
    if len(entries) > MAX_BATCH:
        raise ValidationFailed(errors={"entries": [str(_l("At most %(n)s entries.", n=MAX_BATCH))]})
    first_rule_id = rule_id if rule_id is not None else entries[0].rule_id
    if first_rule_id is None:
        raise ValidationFailed(errors={"rule_id": [str(_l("Choose a rule."))]})
    first_rule = rules.find_rule(first_rule_id)
    village_id = first_rule.village_id
    actor.require_awarder(village_id)
    # Every household's account before the first check and the first posting (see the
    # ledger's lock order): the caps are checked under the locks the postings keep.
    ledger.lock_household_accounts(village_id, [entry.household_id for entry in entries])
    village = find_village(village_id)
    period = check_period(village.timezone, period)
    check_posting_period(actor, village, period)

    plans: list[Plan] = []
    problems: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    batch_use: dict[tuple[int, int], int] = {}
    rule_cache: dict[int, Rule] = {first_rule.id: first_rule}
    # rule id -> {household id: points that stand for the period}, read under the locks above
    scored: dict[int, dict[int, int]] = {}
    household_ids = [entry.household_id for entry in entries]
    for index, entry in enumerate(entries):
        entry_rule_id = entry.rule_id if entry.rule_id is not None else first_rule_id
        try:
            rule = rule_cache.get(entry_rule_id) or rule_of_village(entry_rule_id, village_id)
            rule_cache[rule.id] = rule
            household = active_household(entry.household_id)
            if household.village_id != village_id:
                raise NotFound(_l("No such household in this village."))
            if once_per_household and (entry.household_id, rule.id) in seen:
                raise ValidationFailed(
                    _l("The same household and rule appear twice."),
                    errors={"household_id": [str(_l("Listed twice."))]},
                )
            seen.add((entry.household_id, rule.id))
            plan = plan_by_rule(
                rule,
                entry.household_id,
                entry.quantity,
                timezone=village.timezone,
                period=period,
                day=day,
                memo=entry.memo or memo,
            )
            key = (plan.household_id, rule.id)
            if once_per_month and plan.version.monthly_cap is None:
                if rule.id not in scored:
                    scored[rule.id] = rule_usage(rule.id, period, household_ids)
                if scored[rule.id].get(plan.household_id):
                    raise AlreadyScored(
                        _l(
                            "This household was already scored %(points)s points by this rule "
                            "for %(period)s.",
                            points=scored[rule.id][plan.household_id],
                            period=period,
                        )
                    )
            check_cap(plan, already=batch_use.get(key, 0))
            if needs_approval(plan, village):
                raise ApprovalRequired(
                    _l(
                        "%(points)s points is above the approval threshold of %(threshold)s: "
                        "award it on its own so it can wait for approval.",
                        points=plan.points,
                        threshold=village.approval_threshold,
                    )
                )
        except Problem as problem:
            problems.append(entry_problem(index, entry.household_id, problem))
            continue
        batch_use[key] = batch_use.get(key, 0) + plan.points
        plans.append(plan)
    if problems:
        raise BatchRefused(
            _l("%(bad)s of %(all)s entries cannot be posted.", bad=len(problems), all=len(entries)),
            entries=problems,
        )
    awards: dict[str, int] = {}
    for plan in plans:
        if plan.kind == AWARD:
            awards[plan.period] = awards.get(plan.period, 0) + plan.points
    check_quota(actor, village, awards)
    return village, plans


def post_batch(
    actor: Principal,
    entries: list[BatchEntry],
    *,
    period: str | None = None,
    rule_id: int | None = None,
    memo: str | None = None,
) -> list[Transfer]:
    """Post a batch of entries by rule (the monthly scoring): all of them, or none."""
    _, plans = plan_batch(
        actor, entries, period=period, rule_id=rule_id, memo=memo, once_per_month=True
    )
    return [post_plan(plan, actor.user_id) for plan in plans]
