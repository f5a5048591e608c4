"""Regions: counties and their townships."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

COUNTY, TOWNSHIP = "county", "township"
LEVELS = (COUNTY, TOWNSHIP)


class Region(db.Model):
    """A county (no parent) or a township (its parent is a county).

    ``top3_share_limit`` and ``reversal_rate_limit`` are the county's levels for two flags
    (percent): the top three households' share of a village's awards, and the share of a
    village's awards and deductions that were reversed. A township's own values are unused:
    its county's count.
    """

    __tablename__ = "regions"
    __table_args__ = (
        sa.CheckConstraint("level IN ('county', 'township')", name="level_known"),
        sa.CheckConstraint("(level = 'county') = (parent_id IS NULL)", name="parent_iff_township"),
        sa.CheckConstraint("top3_share_limit BETWEEN 1 AND 100", name="top3_share_limit_range"),
        sa.CheckConstraint(
            "reversal_rate_limit BETWEEN 1 AND 100", name="reversal_rate_limit_range"
        ),
        sa.UniqueConstraint("parent_id", "name"),
        # Counties have no parent, and NULLs are never equal in a unique constraint: the
        # counties' names are unique by this index of their own.
        sa.Index(
            "uq_regions_name",
            "name",
            unique=True,
            sqlite_where=sa.text("parent_id IS NULL"),
            postgresql_where=sa.text("parent_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[str] = mapped_column(sa.String(16))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    top3_share_limit: Mapped[int] = mapped_column(default=50, server_default="50")
    reversal_rate_limit: Mapped[int] = mapped_column(default=10, server_default="10")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
