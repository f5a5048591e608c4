"""Making, editing and publishing a county's rule templates.

A template has at most one draft, edited freely by the county's admins; publishing freezes it
as the next number (v1, v2 ...), after which it never changes. Later drafts start as a copy of
the latest published version. Every draft's entries pass ``entries.clean_entries`` on each
save and once more at publishing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..database import utcnow
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..text import clean_name
from . import access
from .entries import as_input, clean_entries, write_entries
from .errors import DraftExists, TemplateEmpty
from .models import RuleTemplate, TemplateEntry, TemplateVersion
from .reading import (
    TemplateView,
    VersionView,
    draft_view,
    entries_of,
    find_draft,
    get_draft,
    get_template,
    latest_published,
)


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
    cleaned = clean_entries(None, entries)
    template = RuleTemplate(region_id=county.id, title=title, created_by_id=actor.user_id)
    db.session.add(template)
    db.session.flush()
    draft = TemplateVersion(template_id=template.id, title=title, note=note or "")
    db.session.add(draft)
    db.session.flush()
    write_entries(draft.id, cleaned)
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
    template = _locked_template(actor, template_id)
    draft = draft_view(template).version
    changes: dict[str, Any] = {}
    if title is not None:
        title = _title(title)
        changes.update(audit.diff({"title": draft.title}, {"title": title}))
        draft.title = template.title = title
    if note is not None:
        changes.update(audit.diff({"note": draft.note}, {"note": note}))
        draft.note = note
    if entries is not None:
        cleaned = clean_entries(template, entries)
        db.session.execute(sa.delete(TemplateEntry).where(TemplateEntry.version_id == draft.id))
        write_entries(draft.id, cleaned)
        changes["entries"] = len(cleaned)
    db.session.flush()
    _record_update(actor, template, changes)
    return draft_view(template)


def put_entry(
    actor: Principal, template_id: int, entry: Mapping[str, Any], *, entry_id: int | None = None
) -> VersionView:
    """Add a rule to the end of the draft, or change the draft's rule ``entry_id`` in place
    (the pages: each rule has a form of its own, so its id must outlive the others' edits).
    Refusals name the rule's own fields."""
    _locked_template(actor, template_id)
    view = get_draft(actor, template_id)
    rows = [as_input(e) for e in view.entries]
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
        cleaned = clean_entries(view.template, rows)
    except ValidationFailed as refusal:
        raise _as_one_entry(refusal, position) from None
    if entry_id is None:
        last = max((e.position for e in view.entries), default=-1)
        db.session.add(TemplateEntry(version_id=view.id, position=last + 1, **cleaned[position]))
    else:
        for name, value in cleaned[position].items():
            setattr(view.entries[position], name, value)
    db.session.flush()
    _record_update(actor, view.template, {"entry": cleaned[position]["code"]})
    return draft_view(view.template)


def remove_entry(actor: Principal, template_id: int, entry_id: int) -> VersionView:
    """Take the rule ``entry_id`` out of the draft."""
    _locked_template(actor, template_id)
    view = get_draft(actor, template_id)
    entry = next((e for e in view.entries if e.id == entry_id), None)
    if entry is None:
        raise NotFound(_l("No such rule in the draft."))
    db.session.delete(entry)
    db.session.flush()
    _record_update(actor, view.template, {"removed": entry.code})
    return draft_view(view.template)


def start_draft(actor: Principal, template_id: int) -> VersionView:
    """A new draft, a copy of the latest published version (``draft_exists`` if one is open)."""
    template = _locked_template(actor, template_id)
    if find_draft(template) is not None:
        raise DraftExists()
    latest = latest_published(template.id)
    draft = TemplateVersion(
        template_id=template.id, title=latest.title if latest else template.title
    )
    db.session.add(draft)
    db.session.flush()
    if latest is not None:
        write_entries(draft.id, [as_input(e) for e in entries_of(latest.id)])
    _record_update(actor, template, {"draft": [None, "started"]})
    return draft_view(template)


def publish(actor: Principal, template_id: int, *, note: str | None = None) -> VersionView:
    """Freeze the draft as the next version (the county's managers).

    The draft row itself becomes the version: its entries are checked once more against the
    versions published before (``validation_failed``) and it must hold one at least
    (``template_empty``). The template's row is locked first (``_locked_template``), so two
    admins publishing at once cannot both take the same number.
    """
    template = _locked_template(actor, template_id)
    draft = draft_view(template)
    if not draft.entries:
        raise TemplateEmpty()
    clean_entries(template, [as_input(e) for e in draft.entries])
    latest = latest_published(template.id)
    version = draft.version
    version.number = (latest.number if latest else 0) + 1
    version.published_at = utcnow()
    version.published_by_id = actor.user_id
    changes = {"version": version.number, "title": version.title, "entries": len(draft.entries)}
    if note is not None:
        changes.update(audit.diff({"note": version.note}, {"note": note}))
        version.note = note
    template.title = version.title
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=None,
        action="rule_template.publish",
        target_type="rule_template",
        target_id=template.id,
        changes=changes,
    )
    return VersionView(version, template, draft.entries)


def _locked_template(actor: Principal, template_id: int) -> RuleTemplate:
    """The template, for its county's managers, its row locked (``SELECT ... FOR UPDATE``)
    before its draft is read: every change of the draft and its publication run one after
    the other. Without it, two saves of the whole list at once on PostgreSQL each deleted the
    entries they saw and wrote their own, leaving both lists in the draft; and a save racing
    a publication could rewrite the version just published."""
    template = db.session.get(
        RuleTemplate, template_id, with_for_update=True, populate_existing=True
    )
    if template is None:
        raise NotFound(_l("No such rule template."))
    access.require_manager(actor, template.region_id)
    return template


def _as_one_entry(refusal: ValidationFailed, position: int) -> ValidationFailed:
    """The draft's refusal as the form of the one rule at ``position`` shows it: its own
    fields' errors. The rules already in the draft passed these checks when saved, so errors
    of another rule are its clash with this one (a code further down the list, found there):
    beside this rule's fields too. The list's own (too many rules) says itself at the top."""
    by_index = (refusal.errors or {}).get("entries")
    if isinstance(by_index, dict):
        if position in by_index:
            return ValidationFailed(errors=by_index[position])
        merged: dict[str, list[str]] = {}
        for errors in by_index.values():
            for name, messages in errors.items():
                merged.setdefault(name, []).extend(messages)
        return ValidationFailed(errors=merged)
    if by_index:
        return ValidationFailed(" ".join(str(message) for message in by_index))
    return refusal


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
