"""The red and black list (红黑榜) in the database.

* A ``BoardEntry`` is a red or black list entry: a transfer by rule with the reason in words,
  an optional photo, and the day it leaves the public board.
* An ``Objection`` (异议) is a household's challenge to an entry while it is on the board; an
  admin upholds it (the entry's transfer is reversed) or dismisses it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..awards.models import PENDING, TRANSFER_ID
from ..database import UTCDateTime, one_of, utcnow
from ..extensions import db

UPHELD, DISMISSED = "upheld", "dismissed"
OBJECTION_STATUSES = (PENDING, UPHELD, DISMISSED)


class BoardEntry(db.Model):
    """A red (commendation) or black (criticism) list entry and the transfer it posted."""

    __tablename__ = "board_entries"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('red', 'black')", name="kind_known"),
        sa.Index("ix_board_entries_village_id_period", "village_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), index=True)
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("rules.id"))
    kind: Mapped[str] = mapped_column(sa.String(8))
    reason: Mapped[str] = mapped_column(sa.String(500))
    # File name under <instance>/board-photos/, or None.
    photo: Mapped[str | None] = mapped_column(sa.String(80))
    period: Mapped[str] = mapped_column(sa.String(7))
    # The last village-local day the entry is shown on the public board.
    board_until: Mapped[dt.date] = mapped_column(sa.Date)
    transfer_id: Mapped[int] = mapped_column(
        TRANSFER_ID, sa.ForeignKey("transfers.id"), unique=True
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ObjectionRecord:
    """What every objection (异议) keeps, to a board entry or to a campaign's nominee: the
    household that objects, its reason, who filed it and when, and an admin's decision."""

    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    # The household that objects (any household of the village, while objections are open).
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"))
    reason: Mapped[str] = mapped_column(sa.String(500))
    # The staff member who filed it for the household; None when the household filed it.
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))


class Objection(ObjectionRecord, db.Model):
    """A household's objection (异议) to a board entry, and the admin's decision on it."""

    __tablename__ = "objections"
    __table_args__ = (
        sa.UniqueConstraint("entry_id", "household_id"),
        sa.CheckConstraint(one_of("status", OBJECTION_STATUSES), name="status_known"),
        sa.CheckConstraint(
            "(status = 'upheld') = (reversal_id IS NOT NULL)", name="reversal_iff_upheld"
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_unless_pending"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("board_entries.id"), index=True)
    reversal_id: Mapped[int | None] = mapped_column(
        TRANSFER_ID, sa.ForeignKey("transfers.id"), unique=True
    )
