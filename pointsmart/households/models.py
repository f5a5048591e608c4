"""Households, their members and their cards in the database."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..villages.models import Grid


class Household(db.Model):
    __tablename__ = "households"
    __table_args__ = (
        sa.UniqueConstraint("village_id", "number"),
        sa.CheckConstraint("card_version >= 0", name="card_version_not_negative"),
        sa.CheckConstraint("status IN ('active', 'moved_away')", name="status_known"),
        sa.CheckConstraint("pin_failed_attempts >= 0", name="pin_failed_attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grids.id"), index=True)
    # 户号: the number the village uses for the household, unique within the village.
    number: Mapped[str] = mapped_column(sa.String(32))
    head_name: Mapped[str] = mapped_column(sa.String(50))
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    # Bumped on every card (re)issue; a card carrying an older version is revoked.
    card_version: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(16), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The villager's 6-digit PIN (argon2id), asked at the counter above the village's amount.
    pin_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # Wrong PINs in a row; at the limit the PIN locks until ``pin_locked_until``.
    pin_failed_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    pin_locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The hash of the PIN the household chose itself at sign-in. While ``pin_hash`` differs
    # (an admin set or reset the PIN), the next sign-in must choose a new PIN.
    pin_chosen_hash: Mapped[str | None] = mapped_column(sa.String(255))

    @property
    def pin_must_change(self) -> bool:
        return pin_must_change(self.pin_hash, self.pin_chosen_hash)

    grid: Mapped[Grid | None] = relationship(lazy="raise")
    members: Mapped[list[Member]] = relationship(
        lazy="raise", order_by="Member.id", cascade="all, delete-orphan"
    )


class Member(db.Model):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    # 与户主关系: 本人, 配偶, 子, 女, 父, 母, ...
    relation: Mapped[str] = mapped_column(sa.String(20), default="")


class Card(db.Model):
    """One issue of a household's card. Only the one matching ``card_version`` is valid."""

    __tablename__ = "cards"
    __table_args__ = (
        sa.UniqueConstraint("household_id", "version"),
        sa.CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"))
    version: Mapped[int] = mapped_column()
    # The short code printed for typing: 8 characters and a check character.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def pin_must_change(pin_hash: str | None, pin_chosen_hash: str | None) -> bool:
    """An admin set the PIN and the household has not chosen its own since."""
    return pin_hash is not None and pin_hash != pin_chosen_hash
