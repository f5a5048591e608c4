"""The county's templates as a village sees them: what it may adopt, what is newer than what
it adopted (the admin pages' notice), and the adoptions it made. Adopting is ``adoption``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..accounts.auth import Principal
from ..extensions import db
from . import access
from .models import (
    Adoption,
    RuleTemplate,
    TemplateVersion,
)


@dataclass(frozen=True)
class Offer:
    """A county template as a village sees it: the latest version and what it adopted."""

    template: RuleTemplate
    latest: TemplateVersion
    adopted_version: int | None  # the version the village's rules follow last
    adopted_from: dt.date | None

    @property
    def template_id(self) -> int:
        return self.template.id

    @property
    def title(self) -> str:
        return self.latest.title

    @property
    def latest_version(self) -> int:
        return self.latest.number

    @property
    def newer_available(self) -> bool:
        """A version newer than the one adopted (or any version, never adopted) exists."""
        return self.adopted_version is None or self.latest.number > self.adopted_version


def offers(actor: Principal, village_id: int) -> list[Offer]:
    """The county's published templates as the village sees them (its admins)."""
    county_id = access.require_adopter(actor, village_id)
    latest = (
        sa.select(TemplateVersion.template_id, sa.func.max(TemplateVersion.number).label("number"))
        .join(RuleTemplate, RuleTemplate.id == TemplateVersion.template_id)
        .where(RuleTemplate.region_id == county_id, TemplateVersion.number.is_not(None))
        .group_by(TemplateVersion.template_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(RuleTemplate, TemplateVersion)
        .join(latest, latest.c.template_id == RuleTemplate.id)
        .join(
            TemplateVersion,
            sa.and_(
                TemplateVersion.template_id == latest.c.template_id,
                TemplateVersion.number == latest.c.number,
            ),
        )
        .order_by(RuleTemplate.id)
    ).all()
    adopted = _latest_adoptions(village_id)
    return [
        Offer(
            template=template,
            latest=version,
            adopted_version=adopted.get(template.id, (None, None))[0],
            adopted_from=adopted.get(template.id, (None, None))[1],
        )
        for template, version in rows
    ]


def notices(actor: Principal, village_id: int) -> list[Offer]:
    """The offers with a version the village has not adopted; none for anyone but its admins."""
    if not actor.is_admin_of(village_id) or access.county_of_village(village_id) is None:
        return []
    return [offer for offer in offers(actor, village_id) if offer.newer_available]


def in_county(village_id: int) -> bool:
    """Whether the village lies under a county (and so may adopt its templates)."""
    return access.county_of_village(village_id) is not None


@dataclass(frozen=True)
class AdoptionView:
    """An adoption with its version's number and title."""

    adoption: Adoption
    version: int
    title: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.adoption, name)


def adoptions(actor: Principal, village_id: int) -> list[AdoptionView]:
    """The village's adoptions, newest first (its admins)."""
    access.require_adopter(actor, village_id)
    rows = db.session.execute(
        sa.select(Adoption, TemplateVersion.number, TemplateVersion.title)
        .join(TemplateVersion, TemplateVersion.id == Adoption.version_id)
        .where(Adoption.village_id == village_id)
        .order_by(Adoption.id.desc())
    ).all()
    return [AdoptionView(row[0], row[1], row[2]) for row in rows]


def _latest_adoptions(village_id: int) -> dict[int, tuple[int, dt.date]]:
    """``{template id: (version number, day)}`` of the adoption the village's rules follow
    last: the one from the latest day, of two from one day the later (whose rule versions
    win the day). Not the highest number ever adopted: a village that went back to an older
    version runs its points and is told of the newer one again."""
    rows = db.session.execute(
        sa.select(Adoption.template_id, TemplateVersion.number, Adoption.valid_from)
        .join(TemplateVersion, TemplateVersion.id == Adoption.version_id)
        .where(Adoption.village_id == village_id)
        .order_by(Adoption.valid_from, Adoption.id)
    ).all()
    return {row.template_id: (row.number, row.valid_from) for row in rows}
