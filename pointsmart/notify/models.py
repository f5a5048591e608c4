"""Consents, the village's monthly cap and the outbox of text messages.

* ``SmsConsent``: one row per household that ever consented; the committee records the
  phone, and a stop (from ``/me``, by the provider's stop reply or by the committee) keeps
  the row with ``stopped_at`` set. Only a row without ``stopped_at`` gets messages.
* ``SmsVillageSettings``: how many messages the village pays for in a month.
* ``OutboxMessage``: one message, written in the same transaction as what it tells about
  (a transfer: ``message_key`` ``t<transfer id>``; a month's summary: ``s<household>-<YYYYMM>``),
  so a message exists exactly when its transfer does; ``message_key`` is unique and is the
  provider's ``OutId``, so a message is sent once however often the worker is interrupted.

Outbox states: ``pending`` (not sent, due at ``next_attempt_at``), ``sending`` (claimed by a
worker until ``next_attempt_at``), ``unknown`` (the provider may have it: asked before any
resend), ``sent`` (the provider accepted it), ``delivered`` / ``undelivered`` (the carrier's
receipt), ``failed`` (given up), ``capped`` (over the village's monthly cap, never sent).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

PENDING, SENDING, UNKNOWN, SENT = "pending", "sending", "unknown", "sent"
DELIVERED, UNDELIVERED, FAILED, CAPPED = "delivered", "undelivered", "failed", "capped"
STATES = (PENDING, SENDING, UNKNOWN, SENT, DELIVERED, UNDELIVERED, FAILED, CAPPED)
# Messages that count against the month's cap: the provider has (or may have) them.
COUNTED = (SENDING, UNKNOWN, SENT, DELIVERED, UNDELIVERED)
CHANGE, SUMMARY = "change", "summary"
DEFAULT_MONTHLY_CAP = 300


class SmsConsent(db.Model):
    __tablename__ = "sms_consents"

    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    # Mainland mobile number, 11 digits, as the committee wrote it down.
    phone: Mapped[str] = mapped_column(sa.String(20), index=True)
    consented_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # "villager" (/me), "reply" (the provider's stop reply) or "committee".
    stopped_via: Mapped[str | None] = mapped_column(sa.String(16))


class SmsVillageSettings(db.Model):
    __tablename__ = "sms_village_settings"
    __table_args__ = (sa.CheckConstraint("monthly_cap >= 0", name="monthly_cap_not_negative"),)

    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), primary_key=True)
    monthly_cap: Mapped[int] = mapped_column(default=DEFAULT_MONTHLY_CAP)


class OutboxMessage(db.Model):
    __tablename__ = "sms_outbox"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATES) + ")", name="status_known"
        ),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index("ix_sms_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_sms_outbox_village_id_sent_period", "village_id", "sent_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), index=True)
    # Written with a sale before the transfer's row (``ledger.chain``): checked at commit.
    transfer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transfers.id", deferrable=True, initially="DEFERRED"), unique=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))  # "change" or "summary": the template
    phone: Mapped[str] = mapped_column(sa.String(20))
    params: Mapped[str] = mapped_column(sa.Text)  # the template's parameters, JSON
    text: Mapped[str] = mapped_column(sa.String(100))  # what the phone shows, after the sign
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)  # sends tried
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    provider_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)  # BizId
    sent_period: Mapped[str | None] = mapped_column(sa.String(7))  # month of sending (cap)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    receipt_code: Mapped[str | None] = mapped_column(sa.String(40))
    receipt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
