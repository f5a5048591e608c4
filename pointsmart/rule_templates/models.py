"""County rule templates, their versions and entries, and villages' adoptions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, one_of, utcnow
from ..extensions import db
from ..ledger.models import CATEGORIES
from ..rules.models import UNITS


class RuleTemplate(db.Model):
    """A county's template of rules. ``title`` is the latest draft's or version's title."""

    __tablename__ = "rule_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TemplateVersion(db.Model):
    """A template's draft (``number`` None) or its published version ``number``.

    A published version (and its entries) is never changed.
    """

    __tablename__ = "rule_template_versions"
    __table_args__ = (
        sa.UniqueConstraint("template_id", "number"),
        sa.CheckConstraint("number IS NULL OR number > 0", name="number_positive"),
        sa.CheckConstraint(
            "(number IS NULL) = (published_at IS NULL)", name="numbered_iff_published"
        ),
        # One draft per template.
        sa.Index(
            "uq_rule_template_versions_one_draft",
            "template_id",
            unique=True,
            sqlite_where=sa.text("number IS NULL"),
            postgresql_where=sa.text("number IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_templates.id"), index=True)
    number: Mapped[int | None] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(100))
    # What changed, in words, for the villages (optional).
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_draft(self) -> bool:
        return self.number is None


class TemplateEntry(db.Model):
    """One rule of a template version, with the range a village may move its points in."""

    __tablename__ = "rule_template_entries"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "code"),
        sa.CheckConstraint(one_of("category", CATEGORIES), name="category_known"),
        sa.CheckConstraint(one_of("unit", UNITS), name="unit_known"),
        sa.CheckConstraint("points <> 0", name="points_not_zero"),
        sa.CheckConstraint(
            "points_min <= points AND points <= points_max AND (points_min > 0 OR points_max < 0)",
            name="points_in_range",
        ),
        sa.CheckConstraint("monthly_cap IS NULL OR monthly_cap > 0", name="monthly_cap_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_template_versions.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(100))
    category: Mapped[str] = mapped_column(sa.String(16))
    unit: Mapped[str] = mapped_column(sa.String(8))
    points: Mapped[int] = mapped_column()
    points_min: Mapped[int] = mapped_column()
    points_max: Mapped[int] = mapped_column()
    monthly_cap: Mapped[int | None] = mapped_column()


class Adoption(db.Model):
    """A village adopted a published template version from ``valid_from`` (village-local)."""

    __tablename__ = "rule_template_adoptions"
    __table_args__ = (
        sa.Index("ix_rule_template_adoptions_village_id", "village_id", "template_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_templates.id"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_template_versions.id"))
    valid_from: Mapped[dt.date] = mapped_column(sa.Date)
    adopted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    adopted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdoptedEntry(db.Model):
    """One entry an adoption took in: the rule version it made, with the points chosen."""

    __tablename__ = "rule_template_adopted_entries"
    __table_args__ = (sa.UniqueConstraint("adoption_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rule_template_adoptions.id"), index=True
    )
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_template_entries.id"))
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("rules.id"))
    rule_version_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_versions.id"), unique=True)


class TemplateRule(db.Model):
    """The village's rule that a template's code became (made by the first adoption)."""

    __tablename__ = "rule_template_rules"
    __table_args__ = (sa.UniqueConstraint("village_id", "template_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_templates.id"))
    code: Mapped[str] = mapped_column(sa.String(32))
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("rules.id"), unique=True)
