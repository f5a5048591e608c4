"""What `ledger verify` checks of a transfer made by a rule: the rule arithmetic.

The ledger knows no rules; the awards package tells it, when the app is built, how to check
that a transfer naming a rule version moved what that version says (its sign and, for a
quantity such as volunteer hours, quantity x points per unit).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from ..ledger import checks
from ..ledger.models import AWARD
from ..rules.arithmetic import points_for
from ..rules.models import Rule, RuleVersion


def init_app(app: Flask) -> None:
    checks.check_rules_with(app, checks.RuleCheck(load=rule_versions, problems=rule_problems))


def rule_versions(execute: Callable, village_id: int) -> dict[int, int]:
    """Rule version id -> signed points per unit, for the village's rules (a small table)."""
    return dict(
        execute(
            sa.select(RuleVersion.id, RuleVersion.points)
            .join(Rule, Rule.id == RuleVersion.rule_id)
            .where(Rule.village_id == village_id)
        ).all()
    )


def rule_problems(
    transfer_id: int, kind: str, amount: int, version_id: int, quantity, versions: dict[int, int]
) -> list[str]:
    points = versions.get(version_id)
    if points is None:
        return [f"transfer {transfer_id} names a rule version of another village"]
    problems = []
    if (kind == AWARD) != (points > 0):
        problems.append(f"transfer {transfer_id} is a {kind} by a rule of the other sign")
    if quantity is not None and points_for(quantity, abs(points)) != amount:
        problems.append(
            f"transfer {transfer_id} moves {amount} points; its rule version says "
            f"{points_for(quantity, abs(points))} for {quantity}"
        )
    return problems
