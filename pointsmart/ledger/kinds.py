"""The kinds of transfer as data: what each moves, from which kind of account to which, which
of the household's monthly totals it counts in, whether the debited account must cover it;
and which side of a transfer its household is on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import (
    AWARD,
    DEDUCT,
    EXPIRE,
    EXPIRED,
    HOUSEHOLD,
    ISSUED,
    PENALTIES,
    REDEEM,
    SETTLE,
    SETTLED,
    SHOP,
    SHORTFALL,
    WRITE_OFF,
)


@dataclass(frozen=True)
class PostingKind:
    """What one kind of transfer moves: from which kind of account to which, which of the
    household's monthly totals it counts in, and whether the debited account must cover it."""

    debit: str  # HOUSEHOLD, SHOP or a system account's code
    credit: str
    monthly_column: str | None = None
    requires_funds: bool = False
    requires_category: bool = False


POSTING_KINDS: dict[str, PostingKind] = {
    AWARD: PostingKind(ISSUED, HOUSEHOLD, "earned", requires_category=True),
    DEDUCT: PostingKind(HOUSEHOLD, PENALTIES, "deducted", requires_category=True),
    REDEEM: PostingKind(HOUSEHOLD, SHOP, "redeemed", requires_funds=True),
    SETTLE: PostingKind(SHOP, SETTLED, requires_funds=True),
    # Year-end clearing: not earned, deducted or redeemed, so no monthly total moves.
    EXPIRE: PostingKind(HOUSEHOLD, EXPIRED),
    # An offline sale refused at sync, paid by the household after all: like a redemption it
    # counts as redeemed, but like a deduction it may take the balance below zero (the goods
    # were handed over; the shop is paid whatever the balance).
    SHORTFALL: PostingKind(HOUSEHOLD, SHOP, "redeemed"),
    # The same, paid by the village: no household account moves (the household is named in
    # the memo and on the offline sale's record), so no monthly total either.
    WRITE_OFF: PostingKind(ISSUED, SHOP),
}

# Which monthly column a household transfer of each kind moves (verify and rebuild use it).
MONTHLY_COLUMN = {
    kind: spec.monthly_column for kind, spec in POSTING_KINDS.items() if spec.monthly_column
}


def household_balance_after(transfer: Any) -> int | None:
    """The household's balance right after a transfer, or None when no household is involved."""
    if transfer.household_id is None:
        return None
    if transfer.kind == AWARD:
        household_is_credit = transfer.reverses_id is None
    else:
        household_is_credit = transfer.reverses_id is not None
    return transfer.credit_balance_after if household_is_credit else transfer.debit_balance_after


def household_signed_amount(transfer: Any) -> int:
    """The transfer's signed amount from its household's point of view."""
    incoming = (transfer.kind == AWARD) == (transfer.reverses_id is None)
    return transfer.amount if incoming else -transfer.amount
