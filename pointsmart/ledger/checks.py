"""What ``verify`` checks on behalf of the packages above the ledger, told by them when the
app is built (``create_app``); the ledger knows no rule arithmetic and no rollup of theirs.

* One rule check (``check_rules_with``): the points of a transfer made by a rule.
* Any number of village checks (``check_villages_with``): caches another package keeps beside
  the ledger, written in the posting transaction (the regions' rollups), compared with what
  the village's transfers say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

RULE_CHECK = "pointsmart.ledger.verify.rule_check"
VILLAGE_CHECKS = "pointsmart.ledger.verify.village_checks"

# ``check(execute, village_id)``: the problems found, in words; ``execute`` reads the same
# snapshot verify reads.
VillageCheck = Callable[[Callable, int], list[str]]


@dataclass(frozen=True)
class RuleCheck:
    """How verify checks a transfer made by a rule, told by the package that owns the rules:
    ``load(execute, village_id)`` reads what the village's checks need, once a village;
    ``problems(transfer_id, kind, amount, version_id, quantity, loaded)`` lists what is wrong
    with one transfer."""

    load: Callable[[Callable, int], Any]
    problems: Callable[..., list[str]]


def check_rules_with(app: Flask, check: RuleCheck) -> None:
    """Register the rule check (called by ``create_app``)."""
    app.extensions[RULE_CHECK] = check


def check_villages_with(app: Flask, check: VillageCheck) -> None:
    """Register a check of a village's caches kept outside the ledger."""
    app.extensions.setdefault(VILLAGE_CHECKS, []).append(check)


def rule_check() -> RuleCheck | None:
    return current_app.extensions.get(RULE_CHECK)


def village_checks() -> list[VillageCheck]:
    return list(current_app.extensions.get(VILLAGE_CHECKS, ()))
