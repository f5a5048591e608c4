"""Approvals: awards that wait for an admin.

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
from ..rules.models import QUANTITY

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
APPROVAL_STATUSES = (PENDING, APPROVED, REJECTED)

# A transfer id column: BIGINT on PostgreSQL, INTEGER (rowid) on SQLite, as transfers.id.
TRANSFER_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


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
