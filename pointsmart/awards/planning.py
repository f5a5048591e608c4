"""An entry worked out before it is checked and posted: the ``Plan`` (who, how many points, by
which rule version, for which month), the household and village it is for, the month it may
count for, and posting a checked plan through ``ledger.service``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..ledger import service as ledger
from ..ledger.errors import AccountClosed
from ..ledger.models import AWARD, DEDUCT, Transfer
from ..lookups import is_key, village_row
from ..periods import checked_period, current_period, previous_period
from ..rules import arithmetic
from ..rules import catalogue as rules
from ..rules.models import Rule, RuleVersion
from ..villages.models import Village


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


def active_household(household_id: int, *, of_village: int | None = None) -> Any:
    """The household's row (id, village_id, status, number, head_name); refuses a household
    that moved away (``AccountClosed``), and an id no row can have (a form's tampered
    ``household_id``) as any other missing household.

    ``of_village``: a household of another village is not found there (422 beside
    ``household_id``), whether it moved away or not: its state is not that village's to know.
    """
    if not is_key(household_id):
        raise NotFound(_l("No such household."))
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
    if of_village is not None and household.village_id != of_village:
        raise ValidationFailed(
            errors={"household_id": [str(_l("No such household in this village."))]}
        )
    if household.status != "active":
        raise AccountClosed()
    return household


def check_period(timezone: str, period: str | None) -> str:
    today = current_period(timezone)
    return today if period is None else checked_period(period, latest=today)


def check_posting_period(
    actor: Principal, village: Village, period: str, *, writing: bool = True
) -> None:
    """Leaders enter points for this month, or the one before while its 公示 sheet is not
    printed; older months, and a printed one, are the committee's (an admin's) to correct,
    since their leaderboard and notice sheet are published.

    ``writing=False`` (a preview, which posts nothing and may read from a standby) reads the
    printed month without locking the village's row."""
    if actor.is_admin_of(village.id):
        return
    today = current_period(village.timezone)
    if period < previous_period(today):
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
    if period < today:
        # Printing a month's sheet locks the village's row before it reads the month
        # (``reports.sheet.sheet_to_print``): read the printed month under a shared lock of
        # the row, so an entry lands before the sheet reads its month, or finds it printed.
        if writing:
            db.session.refresh(village, ["sheet_printed_through"], with_for_update={"read": True})
        printed = village.sheet_printed_through
        if printed is not None and period <= printed:
            message = _l(
                "The notice sheet of %(period)s is printed: enter the points in this month, "
                "or ask the village committee.",
                period=period,
            )
            raise ValidationFailed(errors={"period": [str(message)]})


def plan_by_rule(
    rule: Rule,
    household_id: int,
    quantity: Any,
    *,
    timezone: str,
    period: str | None = None,
    day: dt.date | None = None,
    memo: str | None = None,
    even_retired: bool = False,
) -> Plan:
    """Work out an entry by rule: the version in force, the quantity, the rounded points
    (``even_retired``: see ``rules.usable_version``)."""
    period = check_period(timezone, period)
    quantity = arithmetic.normalise_quantity(rule.unit, quantity)
    day = arithmetic.effective_day(timezone, period, day)
    version = rules.usable_version(rule, day, even_retired=even_retired)
    points = arithmetic.points_for(quantity, abs(version.points))
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


def rule_of_village(rule_id: int, village_id: int) -> Rule:
    """The village's rule with this id; any other id (of another village, or none a row can
    have, as a tampered form may send) is refused beside the form's ``rule_id``."""
    rule = village_row(Rule, rule_id, village_id)
    if rule is None:
        raise ValidationFailed(errors={"rule_id": [str(_l("No such rule in this village."))]})
    return rule


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
