"""Making, editing and publishing a county's rule templates, and reading them.

A template has at most one draft, edited freely by the county's admins; publishing freezes it
as the next number (v1, v2 ...), after which it never changes. Later drafts start as a copy of
the latest published version. An entry's ``code`` names the same rule in every version, so
once a code is published its category, unit and the sign of its points stay as published:
a village's rule adopted from it keeps them for good (``pointsmart.awards.rules``).

The range: ``points_min`` .. ``points_max`` around ``points`` (both default to the points:
fixed), never crossing 0. We chose explicit bounds over a +-percent: a clerk reads "8 to 12
points" at once, and a percent of small whole numbers rounds in ways nobody can predict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..awards.models import UNITS
from ..awards.rules import NEGATIVE_CATEGORIES, POSITIVE_CATEGORIES
from ..database import utcnow
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..ledger.models import CATEGORIES
from ..ledger.service import MAX_AMOUNT
from ..text import clean_name
from . import access
from .errors import DraftExists, NoDraft, TemplateEmpty
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


@dataclass(frozen=True)
class VersionView:
    """A version (or the draft) with its entries in order."""

    version: TemplateVersion
    template: RuleTemplate
    entries: list[TemplateEntry]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.version, name)

    @property
    def template_id(self) -> int:
        return self.template.id

    @property
    def region_id(self) -> int:
        return self.template.region_id


@dataclass(frozen=True)
class TemplateView:
    """A template, its published versions (oldest first) and, for its managers, the draft."""

    template: RuleTemplate
    versions: list[TemplateVersion]
    draft: VersionView | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.template, name)

    @property
    def title(self) -> str:
        """The draft's title for its managers; the latest published title for its readers."""
        if self.draft is not None:
            return self.draft.title
        return self.versions[-1].title if self.versions else self.template.title

    @property
    def latest_version(self) -> int | None:
        return self.versions[-1].number if self.versions else None

    @property
    def latest(self) -> TemplateVersion | None:
        return self.versions[-1] if self.versions else None


# --- reading ---------------------------------------------------------------------------------


def list_templates(actor: Principal, region_id: int) -> list[TemplateView]:
    """The county's templates (its readers); drafts, and templates never published, only for
    its managers."""
    county = access.find_county(region_id)
    access.require_reader(actor, county.id)
    templates = list(
        db.session.execute(
            sa.select(RuleTemplate)
            .where(RuleTemplate.region_id == county.id)
            .order_by(RuleTemplate.id)
        ).scalars()
    )
    return _views(actor, templates)


def get_template(actor: Principal, template_id: int) -> TemplateView:
    """A template (its readers); one never published is its managers' only (404 to others)."""
    template = access.find_template(template_id)
    access.require_reader(actor, template.region_id)
    views = _views(actor, [template])
    if not views:
        raise NotFound(_l("No such rule template."))
    return views[0]


def get_version(actor: Principal, template_id: int, number: int) -> VersionView:
    """A published version (its readers)."""
    template = access.find_template(template_id)
    access.require_reader(actor, template.region_id)
    version = db.session.execute(
        sa.select(TemplateVersion).where(
            TemplateVersion.template_id == template.id, TemplateVersion.number == number
        )
    ).scalar_one_or_none()
    if version is None:
        raise NotFound(_l("No such version of this template."))
    return VersionView(version, template, entries_of(version.id))


def get_draft(actor: Principal, template_id: int) -> VersionView:
    """The draft (the county's managers); ``no_draft`` when there is none."""
    template = access.find_template(template_id)
    access.require_manager(actor, template.region_id)
    return _draft_view(template)


def entries_of(version_id: int) -> list[TemplateEntry]:
    return list(
        db.session.execute(
            sa.select(TemplateEntry)
            .where(TemplateEntry.version_id == version_id)
            .order_by(TemplateEntry.position, TemplateEntry.id)
        ).scalars()
    )


def _views(actor: Principal, templates: list[RuleTemplate]) -> list[TemplateView]:
    if not templates:
        return []
    rows = db.session.execute(
        sa.select(TemplateVersion)
        .where(TemplateVersion.template_id.in_([t.id for t in templates]))
        .order_by(TemplateVersion.template_id, TemplateVersion.number)
    ).scalars()
    published: dict[int, list[TemplateVersion]] = {}
    drafts: dict[int, TemplateVersion] = {}
    for version in rows:
        if version.is_draft:
            drafts[version.template_id] = version
        else:
            published.setdefault(version.template_id, []).append(version)
    views = []
    for template in templates:
        manager = access.may_manage(actor, template.region_id)
        if not manager and template.id not in published:
            continue  # the county's work in progress
        draft = drafts.get(template.id)
        shown = draft is not None and manager
        views.append(
            TemplateView(
                template=template,
                versions=published.get(template.id, []),
                draft=VersionView(draft, template, entries_of(draft.id)) if shown else None,
            )
        )
    return views


def _find_draft(template: RuleTemplate) -> TemplateVersion | None:
    return db.session.execute(
        sa.select(TemplateVersion).where(
            TemplateVersion.template_id == template.id, TemplateVersion.number.is_(None)
        )
    ).scalar_one_or_none()


def _draft_view(template: RuleTemplate) -> VersionView:
    draft = _find_draft(template)
    if draft is None:
        raise NoDraft()
    return VersionView(draft, template, entries_of(draft.id))


def _latest_published(template_id: int) -> TemplateVersion | None:
    return db.session.execute(
        sa.select(TemplateVersion)
        .where(TemplateVersion.template_id == template_id, TemplateVersion.number.is_not(None))
        .order_by(TemplateVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


# --- writing ---------------------------------------------------------------------------------


def create_template(
    actor: Principal,
    region_id: int,
    *,
    title: str,
    entries: Iterable[Mapping[str, Any]] = (),
    note: str = "",
) -> TemplateView:
    """A new template of the county with its draft (the county's managers)."""
    county = access.find_county(region_id)
    access.require_manager(actor, county.id)
    title = _title(title)
    cleaned = _clean_entries(None, entries)
    template = RuleTemplate(region_id=county.id, title=title, created_by_id=actor.user_id)
    db.session.add(template)
    db.session.flush()
    draft = TemplateVersion(template_id=template.id, title=title, note=note or "")
    db.session.add(draft)
    db.session.flush()
    _write_entries(draft.id, cleaned)
    audit.record(
        actor_id=actor.user_id,
        village_id=None,
        action="rule_template.create",
        target_type="rule_template",
        target_id=template.id,
        changes={"region_id": county.id, "title": title, "entries": len(cleaned)},
    )
    return get_template(actor, template.id)


def save_draft(
    actor: Principal,
    template_id: int,
    *,
    title: str | None = None,
    note: str | None = None,
    entries: Iterable[Mapping[str, Any]] | None = None,
) -> VersionView:
    """Change the draft's title, note, or its whole list of entries (the county's managers)."""
    template = access.find_template(template_id)
    access.require_manager(actor, template.region_id)
    draft = _draft_view(template).version
    changes: dict[str, Any] = {}
    if title is not None:
        title = _title(title)
        changes.update(audit.diff({"title": draft.title}, {"title": title}))
        draft.title = template.title = title
    if note is not None:
        draft.note = note
    if entries is not None:
        cleaned = _clean_entries(template, entries)
        db.session.execute(sa.delete(TemplateEntry).where(TemplateEntry.version_id == draft.id))
        _write_entries(draft.id, cleaned)
        changes["entries"] = len(cleaned)
    db.session.flush()
    _record_update(actor, template, changes)
    return _draft_view(template)


def put_entry(
    actor: Principal, template_id: int, entry: Mapping[str, Any], *, entry_id: int | None = None
) -> VersionView:
    """Add a rule to the end of the draft, or change the draft's rule ``entry_id`` in place
    (the pages: each rule has a form of its own, so its id must outlive the others' edits).
    Refusals name the rule's own fields."""
    view = get_draft(actor, template_id)
    rows = [_as_input(e) for e in view.entries]
    ids = [e.id for e in view.entries]
    if entry_id is None:
        position = len(rows)
        rows.append(dict(entry))
    elif entry_id in ids:
        position = ids.index(entry_id)
        rows[position] = dict(entry)
    else:
        raise NotFound(_l("No such rule in the draft."))
    try:
        cleaned = _clean_entries(view.template, rows)
    except ValidationFailed as refusal:
        by_index = (refusal.errors or {}).get("entries")
        if isinstance(by_index, dict) and position in by_index:
            raise ValidationFailed(errors=by_index[position]) from None
        raise
    if entry_id is None:
        last = max((e.position for e in view.entries), default=-1)
        db.session.add(TemplateEntry(version_id=view.id, position=last + 1, **cleaned[position]))
    else:
        for name, value in cleaned[position].items():
            setattr(view.entries[position], name, value)
    db.session.flush()
    _record_update(actor, view.template, {"entry": cleaned[position]["code"]})
    return _draft_view(view.template)


def remove_entry(actor: Principal, template_id: int, entry_id: int) -> VersionView:
    """Take the rule ``entry_id`` out of the draft."""
    view = get_draft(actor, template_id)
    entry = next((e for e in view.entries if e.id == entry_id), None)
    if entry is None:
        raise NotFound(_l("No such rule in the draft."))
    db.session.delete(entry)
    db.session.flush()
    _record_update(actor, view.template, {"removed": entry.code})
    return _draft_view(view.template)


def start_draft(actor: Principal, template_id: int) -> VersionView:
    """A new draft, a copy of the latest published version (``draft_exists`` if one is open)."""
    template = access.find_template(template_id)
    access.require_manager(actor, template.region_id)
    if _find_draft(template) is not None:
        raise DraftExists()
    latest = _latest_published(template.id)
    draft = TemplateVersion(
        template_id=template.id, title=latest.title if latest else template.title
    )
    db.session.add(draft)
    db.session.flush()
    if latest is not None:
        _write_entries(draft.id, [_as_input(e) for e in entries_of(latest.id)])
    _record_update(actor, template, {"draft": [None, "started"]})
    return _draft_view(template)


def publish(actor: Principal, template_id: int, *, note: str | None = None) -> VersionView:
    """Freeze the draft as the next version (the county's managers).

    The draft row itself becomes the version: its entries are checked once more against the
    versions published before (``validation_failed``) and it must hold one at least
    (``template_empty``). The template's row is locked first, so two admins publishing at once
    cannot both take the same number.
    """
    template = db.session.execute(
        sa.select(RuleTemplate).where(RuleTemplate.id == template_id).with_for_update()
    ).scalar_one_or_none()
    if template is None:
        raise NotFound(_l("No such rule template."))
    access.require_manager(actor, template.region_id)
    draft = _draft_view(template)
    if not draft.entries:
        raise TemplateEmpty()
    _clean_entries(template, [_as_input(e) for e in draft.entries])
    latest = _latest_published(template.id)
    version = draft.version
    version.number = (latest.number if latest else 0) + 1
    version.published_at = utcnow()
    version.published_by_id = actor.user_id
    if note is not None:
        version.note = note
    template.title = version.title
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=None,
        action="rule_template.publish",
        target_type="rule_template",
        target_id=template.id,
        changes={"version": version.number, "title": version.title, "entries": len(draft.entries)},
    )
    return VersionView(version, template, draft.entries)


def _record_update(actor: Principal, template: RuleTemplate, changes: dict) -> None:
    if changes:
        audit.record(
            actor_id=actor.user_id,
            village_id=None,
            action="rule_template.update",
            target_type="rule_template",
            target_id=template.id,
            changes=changes,
        )


def _title(title: str) -> str:
    title = clean_name(title or "")
    if not title:
        raise ValidationFailed(errors={"title": [str(_l("Give the template a title."))]})
    return title


def _as_input(entry: TemplateEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in ENTRY_FIELDS}


def _write_entries(version_id: int, entries: list[dict[str, Any]]) -> None:
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


def _clean_entries(
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
