"""The rules (entries) of a template version: their fields, writing them, and the checks a
draft's entries pass.

An entry's ``code`` names the same rule in every version, so once a code is published its
category, unit and the sign of its points stay as published: a village's rule adopted from it
keeps them for good (``pointsmart.rules.catalogue``).

The range: ``points_min`` .. ``points_max`` around ``points`` (both default to the points:
fixed), never crossing 0. We chose explicit bounds over a +-percent: a clerk reads "8 to 12
points" at once, and a percent of small whole numbers rounds in ways nobody can predict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..extensions import db
from ..ledger.models import CATEGORIES
from ..ledger.service import MAX_AMOUNT
from ..rules.arithmetic import cap_problem
from ..rules.catalogue import NEGATIVE_CATEGORIES, POSITIVE_CATEGORIES
from ..rules.models import UNITS
from ..text import clean_name, name_problem
from .models import RuleTemplate, TemplateEntry, TemplateVersion

ENTRY_FIELDS = (
    "code",
    "name",
    "category",
    "unit",
    "points",
    "points_min",
    "points_max",
    "monthly_cap",
)
MAX_ENTRIES = 200


def as_input(entry: TemplateEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in ENTRY_FIELDS}


def write_entries(version_id: int, entries: list[dict[str, Any]]) -> None:
    for position, entry in enumerate(entries):
        db.session.add(TemplateEntry(version_id=version_id, position=position, **entry))
    db.session.flush()


def _published_kinds(template: RuleTemplate | None) -> dict[str, tuple[str, str, bool]]:
    """``{code: (category, unit, gives points)}`` as first published, for each code."""
    if template is None:
        return {}
    rows = db.session.execute(
        sa.select(
            TemplateEntry.code, TemplateEntry.category, TemplateEntry.unit, TemplateEntry.points
        )
        .join(TemplateVersion, TemplateVersion.id == TemplateEntry.version_id)
        .where(TemplateVersion.template_id == template.id, TemplateVersion.number.is_not(None))
        .order_by(TemplateVersion.number)
    ).all()
    kinds: dict[str, tuple[str, str, bool]] = {}
    for row in rows:
        kinds.setdefault(row.code, (row.category, row.unit, row.points > 0))
    return kinds


def clean_entries(
    template: RuleTemplate | None, entries: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The entries, tidied and checked; ``validation_failed`` with ``errors.entries`` by index."""
    kinds = _published_kinds(template)
    cleaned: list[dict[str, Any]] = []
    problems: dict[int, dict[str, list[str]]] = {}
    seen: set[str] = set()
    for index, raw in enumerate(entries):
        entry, errors = _clean_entry(raw)
        code = entry.get("code")
        if code and code in seen:
            errors.setdefault("code", []).append(
                str(_l("Two rules of the template have this code."))
            )
        seen.add(code)
        if code in kinds and not errors:
            category, unit, gives = kinds[code]
            if entry["category"] != category:
                errors["category"] = [str(_l("A published rule keeps its category."))]
            if entry["unit"] != unit:
                errors["unit"] = [str(_l("A published rule keeps its unit."))]
            if (entry["points"] > 0) != gives:
                errors["points"] = [
                    str(_l("A rule that gives points cannot start taking them, or back."))
                ]
        if errors:
            problems[index] = errors
        cleaned.append(entry)
    if len(cleaned) > MAX_ENTRIES:
        raise ValidationFailed(
            errors={"entries": [str(_l("At most %(max)s rules a template.", max=MAX_ENTRIES))]}
        )
    if problems:
        raise ValidationFailed(errors={"entries": problems})
    return cleaned


def _clean_entry(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    code = str(raw.get("code") or "").strip()
    name = clean_name(str(raw.get("name") or ""))
    category, unit = raw.get("category"), raw.get("unit") or "each"
    points = raw.get("points")
    if not code or len(code) > 32:
        errors["code"] = [str(_l("Give the rule a code of at most 32 characters."))]
    elif problem := name_problem(code):
        errors["code"] = [problem]
    if not name:
        errors["name"] = [str(_l("Give the rule a name."))]
    if category not in CATEGORIES:
        errors["category"] = [str(_l("Choose a category."))]
    if unit not in UNITS:
        errors["unit"] = [str(_l("Choose a unit."))]
    if not _whole(points) or points == 0 or abs(points) > MAX_AMOUNT:
        errors["points"] = [str(_l("Points are a whole number other than 0."))]
    elif category in POSITIVE_CATEGORIES and points < 0:
        errors["points"] = [str(_l("A volunteer or red list rule gives points (above 0)."))]
    elif category in NEGATIVE_CATEGORIES and points > 0:
        errors["points"] = [str(_l("A black list rule takes points (below 0)."))]
    low = raw.get("points_min")
    high = raw.get("points_max")
    low = points if low is None else low
    high = points if high is None else high
    if "points" not in errors:
        if not (_whole(low) and _whole(high)) or not low <= points <= high:
            errors["points_min"] = [
                str(_l("The range goes from at most the points to at least the points."))
            ]
        elif not (low > 0 or high < 0):
            errors["points_min"] = [
                str(_l("The range stays on the side of the points: it never reaches 0."))
            ]
    cap = raw.get("monthly_cap")
    if cap is not None and (not _whole(cap) or not 0 < cap <= MAX_AMOUNT):
        errors["monthly_cap"] = [str(_l("The monthly cap is a whole number above 0."))]
    elif not errors:
        # A village may choose any points of the range: not even the fewest may overflow it.
        errors.update(cap_problem(unit, min(abs(low), abs(high)), cap))
    entry = {
        "code": code,
        "name": name,
        "category": category,
        "unit": unit,
        "points": points,
        "points_min": low,
        "points_max": high,
        "monthly_cap": cap,
    }
    return entry, errors


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
