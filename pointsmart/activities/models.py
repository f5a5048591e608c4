"""Volunteer activities in the database.

An ``Activity`` is a volunteer event paid by the hour by one volunteer rule; each
``Attendance`` is one attendee (a household member) with check-in and check-out, and the hours
to pay until it is posted (``transfer_id``), after which it does not change.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..awards.models import TRANSFER_ID
from ..database import UTCDateTime, utcnow
from ..extensions import db


class Activity(db.Model):
    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    date: Mapped[dt.date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(100), default="")
    # The per-hour volunteer rule that pays the attendees.
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("rules.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(db.Model):
    """One attendee of an activity. Changes until posted; posted once (``transfer_id``)."""

    __tablename__ = "attendances"
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "household_id", "member_name"),
        sa.CheckConstraint("hours IS NULL OR (hours > 0 AND hours <= 24)", name="hours_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"), index=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"))
    member_name: Mapped[str] = mapped_column(sa.String(50), default="")
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The hours to pay: from check-in to check-out, or as corrected by the leader.
    hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    transfer_id: Mapped[int | None] = mapped_column(
        TRANSFER_ID, sa.ForeignKey("transfers.id"), unique=True
    )
