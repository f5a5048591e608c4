"""One row per change an admin, clerk or the system made outside the ledger."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_village_id_id", "village_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for changes that belong to no village (a staff user, a county-wide setting).
    village_id: Mapped[int | None] = mapped_column(sa.ForeignKey("villages.id"))
    # None when the system itself acted (a command-line run without a named user).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # A stable dotted name: "village.update", "household.move", "user.disable", ...
    action: Mapped[str] = mapped_column(sa.String(64))
    target_type: Mapped[str] = mapped_column(sa.String(32))
    target_id: Mapped[int | None] = mapped_column()
    # {"field": [old, new], ...} or a short description of what was made, as JSON text.
    changes: Mapped[str] = mapped_column(sa.Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
