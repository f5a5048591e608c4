"""A village adopts a county's published template version into its own rule catalogue.

* Each chosen entry becomes a rule of the village (its code, or ``code-2`` ... when the village
  has a rule of its own by that code), or, when an earlier adoption of the same template made
  a rule from the same code, a new version of that rule. Either way the version is valid from
  the adoption's day (today or later, village time), carries the county's range, and its
  points are the village's choice inside that range (``points_out_of_range`` otherwise).
  The rule's name follows the template; its ``active`` flag stays the village's.
* Nothing is retroactive: versions apply from their day on, so entries already posted (and
  the ledger) keep the points of their day. A rule that already has a version of its own
  after the adoption's day would override the adopted points: ``later_version_exists``.
* Entries left out change nothing in the village. What was adopted (which version, from
  which day, by whom, and each entry's rule version) is kept (``Adoption``) and audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..errors import ValidationFailed
from ..extensions import db
from ..periods import local_today
from ..rules import catalogue as rules
from ..rules.errors import PointsOutOfRange
from ..rules.models import Rule, RuleVersion
from ..villages.models import Village
from . import access
from .errors import LaterVersionExists
from .models import (
    AdoptedEntry,
    Adoption,
    TemplateEntry,
    TemplateRule,
)
from .reading import VersionView, get_version

NEW_RULE, NEW_VERSION = "new_rule", "new_version"


@dataclass
class PlannedEntry:
    """What adopting one entry does in the village."""

    entry: TemplateEntry
    points: int  # the village's choice
    action: str  # NEW_RULE or NEW_VERSION
    rule_id: int | None  # the village's rule (NEW_VERSION)
    rule_code: str  # the rule's code in the village
    current_points: int | None  # the village rule's points in force today (NEW_VERSION)
    rule_version_id: int | None = None  # set once adopted

    def __getattr__(self, name: str) -> Any:
        return getattr(self.entry, name)


@dataclass
class Plan:
    village: Village
    version: VersionView
    valid_from: dt.date
    entries: list[PlannedEntry]
    left_out: list[TemplateEntry]
    adoption: Adoption | None = None
    # Rules the village adopted before from this template whose codes this version dropped.
    dropped: list[Rule] = field(default_factory=list)

    @property
    def template_id(self) -> int:
        return self.version.template.id

    @property
    def number(self) -> int:
        return self.version.number

    @property
    def id(self) -> int | None:
        return self.adoption.id if self.adoption else None


def preview(
    actor: Principal,
    village_id: int,
    template_id: int,
    number: int,
    *,
    valid_from: dt.date | None = None,
    entries: Iterable[Mapping[str, Any]] | None = None,
) -> Plan:
    """What adopting would do, refused exactly as adopting would be; nothing is written."""
    return _plan(actor, village_id, template_id, number, valid_from, entries, lock=False)


def adopt(
    actor: Principal,
    village_id: int,
    template_id: int,
    number: int,
    *,
    valid_from: dt.date | None = None,
    entries: Iterable[Mapping[str, Any]] | None = None,
) -> Plan:
    """Adopt the version into the village from ``valid_from`` (default today): all chosen
    entries become rules or rule versions, or nothing does.

    The village's row is locked before the plan reads its rules: adoptions at once run one
    after the other, each planning from what the one before made (on PostgreSQL they all
    planned new rules, and all but one met the rules' unique code)."""
    plan = _plan(actor, village_id, template_id, number, valid_from, entries, lock=True)
    adoption = Adoption(
        village_id=village_id,
        template_id=plan.template_id,
        version_id=plan.version.id,
        valid_from=plan.valid_from,
        adopted_by_id=actor.user_id,
    )
    db.session.add(adoption)
    db.session.flush()
    for planned in plan.entries:
        cap = planned.entry.monthly_cap
        bounds = (planned.entry.points_min, planned.entry.points_max)
        if planned.action == NEW_RULE:
            view = rules.create_rule(
                actor,
                village_id,
                code=planned.rule_code,
                name=planned.entry.name,
                category=planned.entry.category,
                unit=planned.entry.unit,
                points=planned.points,
                monthly_cap=cap,
                valid_from=plan.valid_from,
                points_range=bounds,
            )
            planned.rule_id = view.rule.id
            db.session.add(
                TemplateRule(
                    village_id=village_id,
                    template_id=plan.template_id,
                    code=planned.entry.code,
                    rule_id=view.rule.id,
                )
            )
            version_id = view.versions[-1].id
        else:
            view = rules.change_rule(
                actor,
                planned.rule_id,
                name=planned.entry.name,
                points=planned.points,
                monthly_cap=cap,
                clear_cap=cap is None,
                valid_from=plan.valid_from,
                points_range=bounds,
            )
            version_id = max(view.versions, key=lambda v: v.version).id
        planned.rule_version_id = version_id
        db.session.add(
            AdoptedEntry(
                adoption_id=adoption.id,
                entry_id=planned.entry.id,
                rule_id=planned.rule_id,
                rule_version_id=version_id,
            )
        )
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action="rule_template.adopt",
        target_type="rule_template",
        target_id=plan.template_id,
        changes={
            "title": plan.version.title,
            "version": plan.number,
            "valid_from": plan.valid_from,
            "entries": {p.entry.code: p.points for p in plan.entries},
            "left_out": [e.code for e in plan.left_out],
        },
    )
    plan.adoption = adoption
    return plan


def _plan(actor, village_id, template_id, number, valid_from, entries, *, lock: bool) -> Plan:
    county_id = access.require_adopter(actor, village_id)
    version = get_version(actor, template_id, number)
    if version.template.region_id != county_id:
        # Only the admin of every village reads another county's template to get this far.
        raise ValidationFailed(
            errors={"template_id": [str(_l("The template is not of the village's county."))]}
        )
    # FOR NO KEY UPDATE: adoptions take turns, while postings, whose foreign keys take the
    # row's key share, do not wait for one.
    village = db.session.get(
        Village,
        village_id,
        with_for_update={"key_share": True} if lock else None,
        populate_existing=lock,
    )
    today = local_today(village.timezone)
    start = valid_from or today
    if start < today:
        raise ValidationFailed(
            errors={"valid_from": [str(_l("A change applies from today or a later day."))]}
        )
    chosen = _choices(version, entries)
    links = dict(
        db.session.execute(
            sa.select(TemplateRule.code, TemplateRule.rule_id).where(
                TemplateRule.village_id == village_id,
                TemplateRule.template_id == version.template.id,
            )
        ).all()
    )
    taken = set(
        db.session.execute(sa.select(Rule.code).where(Rule.village_id == village_id)).scalars()
    )
    in_force = {
        view.rule.id: view
        for view in rules.list_rules(actor, village_id)
        if view.rule.id in links.values()
    }
    planned: list[PlannedEntry] = []
    out_of_range: list[dict[str, Any]] = []
    for entry in version.entries:
        if entry.code not in chosen:
            continue
        points = chosen[entry.code] if chosen[entry.code] is not None else entry.points
        if not entry.points_min <= points <= entry.points_max:
            out_of_range.append(
                {
                    "code": entry.code,
                    "points": points,
                    "points_min": entry.points_min,
                    "points_max": entry.points_max,
                }
            )
        rule_id = links.get(entry.code)
        if rule_id is not None:  # adopted before: a new version of the village's rule
            current = in_force.get(rule_id)
            action, code = NEW_VERSION, current.rule.code if current else entry.code
            current_points = current.points if current else None
        else:
            action, code, current_points = NEW_RULE, _free_code(entry.code, taken), None
            taken.add(code)
        planned.append(
            PlannedEntry(
                entry=entry,
                points=points,
                action=action,
                rule_id=rule_id,
                rule_code=code,
                current_points=current_points,
            )
        )
    if out_of_range:
        first = out_of_range[0]
        raise PointsOutOfRange(
            _l(
                "%(code)s: the county allows from %(low)s to %(high)s points.",
                code=first["code"],
                low=first["points_min"],
                high=first["points_max"],
            ),
            errors={
                "entries": {
                    item["code"]: [
                        str(
                            _l(
                                "From %(low)s to %(high)s points.",
                                low=item["points_min"],
                                high=item["points_max"],
                            )
                        )
                    ]
                    for item in out_of_range
                }
            },
            entries=out_of_range,
        )
    _refuse_later_versions(planned, start)
    codes = {entry.code for entry in version.entries}
    dropped_ids = [rule_id for code, rule_id in links.items() if code not in codes]
    dropped = (
        list(db.session.execute(sa.select(Rule).where(Rule.id.in_(dropped_ids))).scalars())
        if dropped_ids
        else []
    )
    return Plan(
        village=village,
        version=version,
        valid_from=start,
        entries=planned,
        left_out=[entry for entry in version.entries if entry.code not in chosen],
        dropped=dropped,
    )


def _choices(version: VersionView, entries) -> dict[str, int | None]:
    """``{code: points or None (the county's)}`` of the entries chosen; all when not given."""
    if entries is None:
        return {entry.code: None for entry in version.entries}
    known = {entry.code for entry in version.entries}
    chosen: dict[str, int | None] = {}
    errors: dict[str, list[str]] = {}
    for item in entries:
        code = item.get("code")
        if code not in known:
            errors[str(code)] = [str(_l("The template version has no rule with this code."))]
        elif code in chosen:
            errors[code] = [str(_l("This rule is chosen twice."))]
        else:
            chosen[code] = item.get("points")
    if errors:
        raise ValidationFailed(errors={"entries": errors})
    if not chosen:
        raise ValidationFailed(errors={"entries": [str(_l("Choose at least one rule."))]})
    return chosen


def _free_code(code: str, taken: set[str]) -> str:
    if code not in taken:
        return code
    for n in range(2, 1000):
        suffix = f"-{n}"
        candidate = code[: 32 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise ValidationFailed(errors={"code": [str(_l("A rule with this code exists."))]})


def _refuse_later_versions(planned: list[PlannedEntry], start: dt.date) -> None:
    rule_ids = [p.rule_id for p in planned if p.rule_id is not None]
    if not rule_ids:
        return
    rows = db.session.execute(
        sa.select(RuleVersion.rule_id, sa.func.max(RuleVersion.valid_from).label("last"))
        .where(RuleVersion.rule_id.in_(rule_ids), RuleVersion.valid_from > start)
        .group_by(RuleVersion.rule_id)
    ).all()
    if rows:
        last = {row.rule_id: row.last for row in rows}
        clashes = [
            {"code": p.rule_code, "rule_id": p.rule_id, "valid_from": last[p.rule_id].isoformat()}
            for p in planned
            if p.rule_id in last
        ]
        named = "、".join(f"{c['code']} ({c['valid_from']})" for c in clashes)
        raise LaterVersionExists(f"{LaterVersionExists.title} {named}", rules=clashes)
