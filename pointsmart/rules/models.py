"""The rule catalogue (积分细则) in the database.

* A ``Rule`` is what a point is given or taken for: code, name, category and unit never change
  (they give a quantity its meaning); its points and monthly cap live in ``RuleVersion`` rows.
  Changing them adds a version that applies from a date on; every transfer posted by rule names
  the version it used (``transfers.rule_version_id``), so history never changes meaning.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, one_of, utcnow
from ..extensions import db
from ..ledger.models import CATEGORIES

EACH, HOUR = "each", "hour"
UNITS = (EACH, HOUR)

# The categories of the red and black list rules (the board, ``board``, shows their entries).
RED, BLACK = "red", "black"

# Quantities: a count, or hours to the hundredth.
QUANTITY = sa.Numeric(10, 2)

# No range, or a range around the points that never crosses 0 (a rule awards or it deducts).
POINTS_IN_RANGE = (
    "(points_min IS NULL AND points_max IS NULL) OR "
    "(points_min <= points AND points <= points_max AND (points_min > 0 OR points_max < 0))"
)


class Rule(db.Model):
    __tablename__ = "rules"
    __table_args__ = (
        sa.UniqueConstraint("village_id", "code"),
        sa.CheckConstraint(one_of("category", CATEGORIES), name="category_known"),
        sa.CheckConstraint(one_of("unit", UNITS), name="unit_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    # A short handle people and scripts use, unique in the village: "mqsb", "vol-hour", ...
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(100))
    category: Mapped[str] = mapped_column(sa.String(16))
    unit: Mapped[str] = mapped_column(sa.String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RuleVersion(db.Model):
    """A rule's points and monthly cap from ``valid_from`` (village-local date) on.

    On a given day the version in force is the one with the latest ``valid_from`` on or before
    it (the later version wins a tie). Rows are never changed once written.

    ``points_min`` / ``points_max``: the range a county's rule template (积分细则,
    ``pointsmart.rule_templates``) lets the village move the points in, copied onto the
    version when the village adopts the template; both None for a rule of the village's own.
    A version the village makes later carries the range of the version it follows, so the
    points stay inside it until the village adopts another template version.
    """

    __tablename__ = "rule_versions"
    __table_args__ = (
        sa.UniqueConstraint("rule_id", "version"),
        sa.CheckConstraint("points <> 0", name="points_not_zero"),
        sa.CheckConstraint(POINTS_IN_RANGE, name="points_in_range"),
        sa.CheckConstraint("monthly_cap IS NULL OR monthly_cap > 0", name="monthly_cap_positive"),
        sa.CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("rules.id"), index=True)
    version: Mapped[int] = mapped_column()
    # Signed: + award, - deduction; per unit (each, or per hour).
    points: Mapped[int] = mapped_column()
    # Most points (absolute) a household may get from the rule in one month; None: no cap.
    monthly_cap: Mapped[int | None] = mapped_column()
    valid_from: Mapped[dt.date] = mapped_column(sa.Date)
    points_min: Mapped[int | None] = mapped_column()
    points_max: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
