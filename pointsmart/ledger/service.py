"""The ledger's one way in for the packages above it: ``from ..ledger import service as
ledger``, then ``ledger.award(...)``, ``ledger.redeem(...)``, ``ledger.reverse(...)``.

What it offers lives in three modules: ``accounts`` (opening, locking and closing accounts,
cached balances), ``kinds`` (the kinds of transfer as data) and ``posting`` (the only code that
writes transfers, with the guarantees its docstring states).
"""

from __future__ import annotations

from .accounts import (
    account_balance,
    close_household_account,
    household_code,
    lock_household_account,
    lock_household_accounts,
    lock_village_chain,
    open_household_account,
    open_household_accounts,
    open_shop_account,
    open_village_ledger,
    shop_code,
)
from .chain import write_pending as write_pending_transfers
from .kinds import (
    MONTHLY_COLUMN,
    POSTING_KINDS,
    PostingKind,
    household_balance_after,
    household_signed_amount,
)
from .posting import (
    award,
    deduct,
    expire,
    post,
    redeem,
    reverse,
    settle,
)
from .posting_checks import MAX_AMOUNT, MAX_MEMO_LENGTH, refuse_after_clearing

__all__ = [
    "MAX_AMOUNT",
    "MAX_MEMO_LENGTH",
    "MONTHLY_COLUMN",
    "POSTING_KINDS",
    "PostingKind",
    "account_balance",
    "award",
    "close_household_account",
    "deduct",
    "expire",
    "household_balance_after",
    "household_code",
    "household_signed_amount",
    "lock_household_account",
    "lock_household_accounts",
    "lock_village_chain",
    "open_household_account",
    "open_household_accounts",
    "open_shop_account",
    "open_village_ledger",
    "post",
    "redeem",
    "refuse_after_clearing",
    "reverse",
    "settle",
    "shop_code",
    "write_pending_transfers",
]
