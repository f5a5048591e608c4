"""Staff users, their roles per village and shop, and API tokens."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

# Roles held in a village, and over a region (a county or a township).
VILLAGE_ROLES = ("admin", "leader", "shopkeeper")
REGION_ROLES = ("county_admin", "township_admin")
ROLES = (*VILLAGE_ROLES, *REGION_ROLES)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(50), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Wrong passwords in a row; past a few, sign-ins wait until ``sign_in_locked_until``.
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    sign_in_locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[RoleAssignment]] = relationship(lazy="raise", order_by="RoleAssignment.id")


class RoleAssignment(db.Model):
    """One role of a user.

    * ``admin`` with ``village_id`` NULL administers every village (and may create villages);
      with a village, only that one.
    * ``leader`` always names a village.
    * ``shopkeeper`` names a village and one shop of it.
    * ``county_admin`` names a county and ``township_admin`` a township (``region_id``), never
      a village: they read the region's villages (see ``pointsmart.regions``).
    """

    __tablename__ = "role_assignments"
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('admin', 'leader', 'shopkeeper', 'county_admin', 'township_admin')",
            name="role_known",
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'county_admin', 'township_admin') OR village_id IS NOT NULL",
            name="village_required",
        ),
        sa.CheckConstraint(
            "(role IN ('county_admin', 'township_admin')) = (region_id IS NOT NULL)",
            name="region_iff_region_role",
        ),
        sa.CheckConstraint("region_id IS NULL OR village_id IS NULL", name="region_or_village"),
        sa.CheckConstraint("(role = 'shopkeeper') = (shop_id IS NOT NULL)", name="shop_iff_keeper"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    village_id: Mapped[int | None] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    shop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shops.id"))
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is stored, so a database leak reveals no token."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        sa.CheckConstraint("(user_id IS NULL) <> (household_id IS NULL)", name="one_holder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("households.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
