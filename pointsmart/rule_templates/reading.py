"""Reading a county's rule templates: a template with its published versions, one version, the
draft.

The county's readers see the published versions (v1, v2 ...); a template never published, and
its draft, are seen by the county's managers only. Making and publishing them is
``drafting``; checking their entries is ``entries``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import NotFound
from ..extensions import db
from . import access
from .errors import NoDraft
from .models import RuleTemplate, TemplateEntry, TemplateVersion


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
    return draft_view(template)


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


def find_draft(template: RuleTemplate) -> TemplateVersion | None:
    return db.session.execute(
        sa.select(TemplateVersion).where(
            TemplateVersion.template_id == template.id, TemplateVersion.number.is_(None)
        )
    ).scalar_one_or_none()


def draft_view(template: RuleTemplate) -> VersionView:
    draft = find_draft(template)
    if draft is None:
        raise NoDraft()
    return VersionView(draft, template, entries_of(draft.id))


def latest_published(template_id: int) -> TemplateVersion | None:
    return db.session.execute(
        sa.select(TemplateVersion)
        .where(TemplateVersion.template_id == template_id, TemplateVersion.number.is_not(None))
        .order_by(TemplateVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()
