"""The rule catalogue (积分细则) and approvals.

* A ``Rule`` is what a point is given or taken for: code, name, category and unit never change
  (they give a quantity its meaning); its points and monthly cap live in ``RuleVersion`` rows.
  Changing them adds a version that applies from a date on; every transfer posted by rule names
  the version it used (``transfers.rule_version_id``), so history never changes meaning.
* An ``Approval`` is an award that waits for an admin because it is above the village's
  ``approval_threshold``; approving it posts the transfer, rejecting it posts nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, one_of, utcnow
from ..extensions import db
from ..ledger.models import CATEGORIES

EACH, HOUR = "each", "hour"
UNITS = (EACH, HOUR)

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
APPROVAL_STATUSES = (PENDING, APPROVED, REJECTED)

# The categories of the red and black list rules (the board, ``board``, shows their entries).
RED, BLACK = "red", "black"

# A transfer id column: BIGINT on PostgreSQL, INTEGER (rowid) on SQLite, as transfers.id.
TRANSFER_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
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


class Approval(db.Model):
    """An award above the approval threshold, waiting for (or decided by) an admin."""

    __tablename__ = "approvals"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", APPROVAL_STATUSES), name="status_known"),
        sa.CheckConstraint("points > 0", name="points_positive"),
        sa.CheckConstraint(
            "(status = 'approved') = (transfer_id IS NOT NULL)", name="transfer_iff_approved"
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_unless_pending"
        ),
        sa.Index("ix_approvals_village_id_status", "village_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"))
    # The award as proposed: by rule (version and quantity) or ad hoc (category and points).
    rule_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rule_versions.id"))
    quantity: Mapped[Decimal | None] = mapped_column(QUANTITY)
    points: Mapped[int] = mapped_column()
    category: Mapped[str] = mapped_column(sa.String(16))
    memo: Mapped[str | None] = mapped_column(sa.String(500))
    period: Mapped[str] = mapped_column(sa.String(7))
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    transfer_id: Mapped[int | None] = mapped_column(
        TRANSFER_ID, sa.ForeignKey("transfers.id"), unique=True
    )
    # For a red list entry that waits: its reason and photo, to make the entry on approval.
    board_reason: Mapped[str | None] = mapped_column(sa.String(500))
    board_photo: Mapped[str | None] = mapped_column(sa.String(80))
