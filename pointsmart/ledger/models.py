"""The ledger's tables: accounts, transfers, chain heads, monthly totals, idempotency records.

Vocabulary (double entry): a *transfer* moves a positive whole number of points from a debit
account to a credit account; an account's balance is its credits minus its debits, so the
balances of a village always sum to zero.

``Account.balance``, ``MonthlyTotal`` and ``ChainHead`` are caches written in the same
transaction as each transfer; ``ledger verify`` checks them against the transfers and
``ledger rebuild`` recomputes them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, one_of, utcnow
from ..extensions import db

# Account kinds. Each village has one of each system kind and one account per household
# and per shop.
HOUSEHOLD, SHOP = "household", "shop"
ISSUED, PENALTIES, SETTLED, EXPIRED = "issued", "penalties", "settled", "expired"
SYSTEM_ACCOUNT_KINDS = (ISSUED, PENALTIES, SETTLED, EXPIRED)
ACCOUNT_KINDS = (HOUSEHOLD, SHOP, *SYSTEM_ACCOUNT_KINDS)

# Transfer kinds and the accounts they move between.
AWARD, DEDUCT, REDEEM, SETTLE = "award", "deduct", "redeem", "settle"
# Year-end clearing (年底清零): household -> expired. Not earned, deducted or redeemed.
EXPIRE = "expire"
# The committee's two ways to pay a shop for an offline sale the server refused at sync:
# an offline shortfall (household -> shop, may go below zero) or a write-off (issued -> shop,
# the village pays).
SHORTFALL, WRITE_OFF = "shortfall", "write_off"
TRANSFER_KINDS = (AWARD, DEDUCT, REDEEM, SETTLE, EXPIRE, SHORTFALL, WRITE_OFF)

CATEGORIES = ("volunteer", "red", "black", "rule", "other")

GENESIS_HASH = "0" * 64


class Account(db.Model):
    __tablename__ = "accounts"
    __table_args__ = (
        sa.UniqueConstraint("village_id", "code"),
        sa.CheckConstraint(one_of("kind", ACCOUNT_KINDS), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    # "issued", "penalties", ..., "household:<id>" or "shop:<id>": unique within a village.
    code: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(16))
    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("households.id"), unique=True)
    shop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shops.id"), unique=True)
    balance: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a household's account was closed (it moved away with a balance of 0): nothing but
    # a reversal posts to it after. On the account row, which every posting locks first.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ChainHead(db.Model):
    """The newest link of a village's hash chain; its row lock orders the village's transfers
    (each posting takes it last, only to insert its transfer and move the head)."""

    __tablename__ = "chain_heads"
    __table_args__ = (sa.CheckConstraint("last_seq >= 0", name="last_seq_not_negative"),)

    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64), default=GENESIS_HASH)


class Transfer(db.Model):
    """One movement of points. Append-only: database triggers refuse UPDATE and DELETE."""

    __tablename__ = "transfers"
    __table_args__ = (
        sa.UniqueConstraint("village_id", "seq"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
        sa.CheckConstraint(one_of("kind", TRANSFER_KINDS), name="kind_known"),
        sa.Index("ix_transfers_household_id_id", "household_id", "id"),
        # A household's last transfer up to a chain position (the 公示 sheet's closing
        # balances): a sale's transfer takes its id before its seq (``chain``), so within a
        # village ids and seqs may cross; within a household they do not.
        sa.Index("ix_transfers_household_id_seq", "household_id", "seq"),
        sa.Index("ix_transfers_village_id_kind_period", "village_id", "kind", "period"),
        # A rule's use per household and month (monthly caps, the scoring grid).
        sa.Index(
            "ix_transfers_rule_version_id_period_household_id",
            "rule_version_id",
            "period",
            "household_id",
        ),
        # A staff member's entries of a month (leader quotas, "my entries").
        sa.Index("ix_transfers_posted_by_id_period", "posted_by_id", "period"),
        # What credits an account, by month: a shop's oldest unpaid sale (the regions'
        # dashboard); its prefix serves the foreign key.
        sa.Index("ix_transfers_credit_account_id_period", "credit_account_id", "period"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    # Position in the village's hash chain, 1, 2, 3, ...
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    # A reversal keeps the kind of what it reverses and names it in ``reverses_id``.
    kind: Mapped[str] = mapped_column(sa.String(16))
    category: Mapped[str | None] = mapped_column(sa.String(16))
    debit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    credit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    # The month it counts for, YYYY-MM in the village's time zone.
    period: Mapped[str] = mapped_column(sa.String(7))
    memo: Mapped[str | None] = mapped_column(sa.String(500))
    # The household involved, if any (denormalised so a household's history is one index scan).
    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("households.id"))
    debit_balance_after: Mapped[int] = mapped_column(sa.BigInteger)
    credit_balance_after: Mapped[int] = mapped_column(sa.BigInteger)
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"), unique=True)
    # NULL when the system posted it (a command-line job), otherwise the staff user.
    posted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Optional references (hashed by name only when set, see hashing.OPTIONAL_FIELDS).
    # The rule version an award or deduction by rule used (a reversal names its original's).
    rule_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rule_versions.id"))
    # The quantity it was for: a count, or hours to the hundredth (kept, never re-derived).
    quantity: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class MonthlyTotal(db.Model):
    """Per household and month: points earned, deducted and redeemed (reversals net out)."""

    __tablename__ = "monthly_totals"
    # With ``earned`` last, a village's month is in the order of points earned: the county
    # dashboard reads each village's top three households from it (``regions.flags``).
    __table_args__ = (
        sa.Index("ix_monthly_totals_village_id_period_earned", "village_id", "period", "earned"),
    )

    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    earned: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    deducted: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    redeemed: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class IdempotencyRecord(db.Model):
    """The first answer to a write, kept so a retry with the same key gets it again."""

    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose key it is: "user:<id>" or "household:<id>"; keys of different callers never meet.
    scope: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(64))
    # SHA-256 of the method, path and canonical body of the first request.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int] = mapped_column()
    response_body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
