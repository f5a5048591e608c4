"""The rule catalogue (积分细则): rules, their versions, and the arithmetic of points.

* Code, category and unit of a rule never change: they give its quantities their meaning.
  Name and ``active`` may change at any time (they do not change any amount).
* Points and monthly cap change only by a new version that applies from a date on, never
  before today in the village: the version an existing transfer names is never edited, and
  the version in force on a past day stays what it was.
* The sign of a rule's points is fixed by its first version (a rule awards or it deducts):
  volunteer and red rules award, black rules deduct, the others may do either.
* A rule adopted from a county's template (``pointsmart.rule_templates``) carries the range
  the county allows its points to move in (``points_min`` / ``points_max`` on each version).
  A new version keeps the range of the version it follows (the one in force on its first
  day) and its points must lie inside it (``points_out_of_range``); only adopting another
  template version brings a new range (``points_range``).

The arithmetic of points and the village's days are in ``arithmetic``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..errors import ValidationFailed
from ..extensions import db
from ..ledger.service import MAX_AMOUNT
from ..lookups import get_or_refuse
from ..periods import local_today
from ..text import name_problem
from ..villages.service import find_village
from .arithmetic import cap_problem
from .errors import PointsOutOfRange, RuleInactive, RuleNotInForce
from .models import EACH, HOUR, Rule, RuleVersion

POSITIVE_CATEGORIES = ("volunteer", "red")
NEGATIVE_CATEGORIES = ("black",)


@dataclass(frozen=True)
class RuleView:
    """A rule with the version in force today (and, for admins, every version)."""

    rule: Rule
    current: RuleVersion | None
    versions: list[RuleVersion]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rule, name)

    @property
    def points(self) -> int | None:
        return self.current.points if self.current else None

    @property
    def monthly_cap(self) -> int | None:
        return self.current.monthly_cap if self.current else None

    @property
    def version(self) -> int | None:
        return self.current.version if self.current else None

    @property
    def points_min(self) -> int | None:
        """The lowest points the county's template allows (None: the village's own rule)."""
        return self.current.points_min if self.current else None

    @property
    def points_max(self) -> int | None:
        return self.current.points_max if self.current else None

    @property
    def version_id(self) -> int | None:
        return self.current.id if self.current else None

    @property
    def upcoming(self) -> list[RuleVersion]:
        """The versions that take effect after today, soonest first."""
        if self.current is None:
            return list(self.versions)
        now = (self.current.valid_from, self.current.version)
        return [v for v in self.versions if (v.valid_from, v.version) > now]


# --- versions --------------------------------------------------------------------------------


def version_on(rule_id: int, day: dt.date) -> RuleVersion | None:
    """The version of the rule in force on ``day``: the latest ``valid_from`` on or before it."""
    return db.session.execute(
        sa.select(RuleVersion)
        .where(RuleVersion.rule_id == rule_id, RuleVersion.valid_from <= day)
        .order_by(RuleVersion.valid_from.desc(), RuleVersion.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def usable_version(rule: Rule, day: dt.date, *, even_retired: bool = False) -> RuleVersion:
    """The version to post by; refuses an inactive rule (unless ``even_retired``: a promise
    made under it, such as a campaign's) or a day before the rule existed."""
    if not rule.active and not even_retired:
        raise RuleInactive()
    version = version_on(rule.id, day)
    if version is None:
        raise RuleNotInForce()
    return version


# --- the catalogue ---------------------------------------------------------------------------


def find_rule(rule_id: int) -> Rule:
    return get_or_refuse(Rule, rule_id, _l("No such rule."))


def list_rules(
    actor: Principal,
    village_id: int,
    *,
    category: str | None = None,
    unit: str | None = None,
    active: bool | None = None,
) -> list[RuleView]:
    """A village's catalogue with the version in force today; for staff of the village."""
    village = find_village(village_id)
    actor.require_staff(village_id)
    statement = sa.select(Rule).where(Rule.village_id == village_id).order_by(Rule.id)
    if category is not None:
        statement = statement.where(Rule.category == category)
    if unit is not None:
        statement = statement.where(Rule.unit == unit)
    if active is not None:
        statement = statement.where(Rule.active.is_(active))
    rules = list(db.session.execute(statement).scalars())
    return _views(rules, local_today(village.timezone))


def get_rule(actor: Principal, rule_id: int) -> RuleView:
    rule = find_rule(rule_id)
    actor.require_staff(rule.village_id)
    return _views([rule], local_today(find_village(rule.village_id).timezone))[0]


def _views(rules: list[Rule], today: dt.date) -> list[RuleView]:
    if not rules:
        return []
    versions = db.session.execute(
        sa.select(RuleVersion)
        .where(RuleVersion.rule_id.in_([r.id for r in rules]))
        .order_by(RuleVersion.rule_id, RuleVersion.valid_from, RuleVersion.version)
    ).scalars()
    by_rule: dict[int, list[RuleVersion]] = {}
    for version in versions:
        by_rule.setdefault(version.rule_id, []).append(version)
    views = []
    for rule in rules:
        history = by_rule.get(rule.id, [])
        in_force = [v for v in history if v.valid_from <= today]
        current = max(in_force, key=lambda v: (v.valid_from, v.version)) if in_force else None
        views.append(RuleView(rule=rule, current=current, versions=history))
    return views


def create_rule(
    actor: Principal,
    village_id: int,
    *,
    code: str,
    name: str,
    category: str,
    points: int,
    unit: str = EACH,
    monthly_cap: int | None = None,
    active: bool = True,
    valid_from: dt.date | None = None,
    points_range: tuple[int, int] | None = None,
) -> RuleView:
    """Add a rule with its first version (admin of the village).

    ``valid_from`` defaults to today; a new rule may start in the past (no entry can have used
    it yet), so a month already under way can be scored by it. ``points_range``: the
    ``(points_min, points_max)`` of a county's template the rule is adopted from.
    """
    village = find_village(village_id)
    actor.require_admin(village_id)
    code, name = code.strip(), name.strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [str(_l("Give the rule a code."))]
    elif problem := name_problem(code):
        errors["code"] = [problem]
    elif db.session.execute(
        sa.select(Rule.id).where(Rule.village_id == village_id, Rule.code == code)
    ).first():
        errors["code"] = [str(_l("A rule with this code exists."))]
    if not name:
        errors["name"] = [str(_l("Give the rule a name."))]
    errors.update(_check_points(category, points, None))
    errors.update(_check_cap(monthly_cap) or cap_problem(unit, points, monthly_cap))
    if errors:
        raise ValidationFailed(errors=errors)
    low, high = points_range or (None, None)
    _check_range(points, low, high)
    rule = Rule(
        village_id=village_id,
        code=code,
        name=name,
        category=category,
        unit=unit,
        active=active,
        created_by_id=actor.user_id,
    )
    db.session.add(rule)
    db.session.flush()
    db.session.add(
        RuleVersion(
            rule_id=rule.id,
            version=1,
            points=points,
            monthly_cap=monthly_cap,
            valid_from=valid_from or local_today(village.timezone),
            points_min=low,
            points_max=high,
            created_by_id=actor.user_id,
        )
    )
    db.session.flush()
    changes = {"code": code, "name": name, "points": points, "monthly_cap": monthly_cap}
    if points_range is not None:
        changes["points_range"] = [low, high]
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action="rule.create",
        target_type="rule",
        target_id=rule.id,
        changes=changes,
    )
    return get_rule(actor, rule.id)


def change_rule(
    actor: Principal,
    rule_id: int,
    *,
    name: str | None = None,
    active: bool | None = None,
    points: int | None = None,
    monthly_cap: int | None = None,
    clear_cap: bool = False,
    valid_from: dt.date | None = None,
    points_range: tuple[int, int] | None = None,
) -> RuleView:
    """Rename, retire or bring back a rule; or give it new points or cap from a date on.

    A change of points or cap adds a version valid from ``valid_from`` (default today, never
    before today); the unchanged one of the two carries over from the version in force then,
    and so does the county's range of the points (``points_out_of_range`` when the new points
    leave it). ``points_range`` replaces that range (a template version being adopted).
    """
    rule = find_rule(rule_id)
    actor.require_admin(rule.village_id)
    village = find_village(rule.village_id)
    today = local_today(village.timezone)
    before = {"name": rule.name, "active": rule.active}
    new_version: RuleVersion | None = None
    errors: dict[str, list[str]] = {}
    if name is not None:
        if not name.strip():
            errors["name"] = [str(_l("Give the rule a name."))]
        else:
            rule.name = name.strip()
    if active is not None:
        rule.active = active
    if points is not None or monthly_cap is not None or clear_cap:
        start = valid_from or today
        if start < today:
            errors["valid_from"] = [str(_l("A change applies from today or a later day."))]
        first = db.session.execute(
            sa.select(RuleVersion.points).where(
                RuleVersion.rule_id == rule.id, RuleVersion.version == 1
            )
        ).scalar_one()
        if points is not None:
            errors.update(_check_points(rule.category, points, first))
        errors.update(_check_cap(monthly_cap))
        if not errors:
            base = version_on(rule.id, start) or _latest(rule.id)
            low, high = points_range or (base.points_min, base.points_max)
            new_points = points if points is not None else base.points
            new_cap = None if clear_cap else monthly_cap or base.monthly_cap
            _check_range(new_points, low, high)
            if problem := cap_problem(rule.unit, new_points, new_cap):
                raise ValidationFailed(errors=problem)
            number = db.session.execute(
                sa.select(sa.func.max(RuleVersion.version)).where(RuleVersion.rule_id == rule.id)
            ).scalar_one()
            new_version = RuleVersion(
                rule_id=rule.id,
                version=number + 1,
                points=new_points,
                monthly_cap=new_cap,
                valid_from=start,
                points_min=low,
                points_max=high,
                created_by_id=actor.user_id,
            )
            db.session.add(new_version)
            version_changes = {
                "points": [base.points, new_version.points],
                "monthly_cap": [base.monthly_cap, new_version.monthly_cap],
                "valid_from": [None, start],
            }
            if (low, high) != (base.points_min, base.points_max):
                version_changes["points_range"] = [
                    [base.points_min, base.points_max],
                    [low, high],
                ]
    elif valid_from is not None:
        errors["valid_from"] = [str(_l("A date is only needed with new points or a new cap."))]
    if errors:
        raise ValidationFailed(errors=errors)
    db.session.flush()
    changes = audit.diff(before, {"name": rule.name, "active": rule.active})
    if new_version is not None:
        changes.update(version_changes)
        changes["version"] = [new_version.version - 1, new_version.version]
    if changes:
        audit.record(
            actor_id=actor.user_id,
            village_id=rule.village_id,
            action="rule.update",
            target_type="rule",
            target_id=rule.id,
            changes=changes,
        )
    return get_rule(actor, rule.id)


def _latest(rule_id: int) -> RuleVersion:
    return db.session.execute(
        sa.select(RuleVersion)
        .where(RuleVersion.rule_id == rule_id)
        .order_by(RuleVersion.valid_from.desc(), RuleVersion.version.desc())
        .limit(1)
    ).scalar_one()


def _check_range(points: int, low: int | None, high: int | None) -> None:
    """Refuse points outside a county template's range (``points_out_of_range``)."""
    if low is None or high is None or low <= points <= high:
        return
    message = _l(
        "The county allows from %(low)s to %(high)s points for this rule.", low=low, high=high
    )
    raise PointsOutOfRange(
        message, errors={"points": [str(message)]}, points_min=low, points_max=high
    )


def _check_cap(monthly_cap: int | None) -> dict[str, list[str]]:
    """A cap is at most what one entry may be: a larger one caps nothing, and the database's
    INTEGER would not hold every number a form can send."""
    if monthly_cap is None or 0 < monthly_cap <= MAX_AMOUNT:
        return {}
    message = _l("The monthly cap is 1 to %(max)s points, or empty.", max=MAX_AMOUNT)
    return {"monthly_cap": [str(message)]}


def _check_points(category: str, points: int, first: int | None) -> dict[str, list[str]]:
    if points == 0 or abs(points) > MAX_AMOUNT:
        return {"points": [str(_l("Points are a whole number other than 0."))]}
    if category in POSITIVE_CATEGORIES and points < 0:
        return {"points": [str(_l("A volunteer or red list rule gives points (above 0)."))]}
    if category in NEGATIVE_CATEGORIES and points > 0:
        return {"points": [str(_l("A black list rule takes points (below 0)."))]}
    if first is not None and (first > 0) != (points > 0):
        return {"points": [str(_l("A rule that gives points cannot start taking them, or back."))]}
    return {}


__all__ = [
    "EACH",
    "HOUR",
    "RuleView",
    "change_rule",
    "create_rule",
    "get_rule",
    "list_rules",
    "usable_version",
    "version_on",
]
