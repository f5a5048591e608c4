"""Posting and reversing transfers: the only code that writes to the transfers table.

Guarantees of every posting (:func:`post`, one kind of transfer described by
``POSTING_KINDS``, and :func:`reverse`):

* It locks what it reads before it decides (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite
  the transaction was begun IMMEDIATE, see ``pointsmart.database``): first the account whose
  balance or state decides (the household's), then the other account, and the village's chain
  head last, only to insert the transfer and move the head (``chain``). Two counters can never
  spend the same points, and a village's postings wait for each other only for those last
  two writes. A posting ``at_commit`` (a sale's) writes even those two at the transaction's
  commit, after everything else the request wrote, and moves its other account (the shop's,
  which all the shop's sales share) then too.
* A redemption never takes a household below zero (``InsufficientPoints``); a deduction may.
* Nothing posts to a closed (moved-away) household's account, a reversal included: the account
  was closed at 0 and stays at 0 (see :func:`close_household_account`).
* An award is not reversed once a year-end clearing posted after it took the household's
  balance (``ReversalAfterClearing``, see :func:`reverse`).
* The transfer, both cached balances, the household's monthly totals and the chain head are
  written in the caller's transaction; the caller commits once (or rolls back everything).
* It runs a fixed handful of SQL statements through the session: no object graphs are loaded,
  no ledger scan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from ..database import utcnow
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..periods import current_period
from . import chain, listeners
from .accounts import (
    ADD_TO_BALANCE,
    LOCK_ACCOUNT,
    add_to_month_statement,
    household_code,
    shop_code,
)
from .errors import (
    AccountClosed,
    AccountMissing,
    AlreadyReversed,
    CannotReverseReversal,
    InsufficientPoints,
    ReversalIntoClosedAccount,
)
from .hashing import HUNDREDTH
from .kinds import MONTHLY_COLUMN, POSTING_KINDS, PostingKind
from .models import (
    AWARD,
    DEDUCT,
    EXPIRE,
    HOUSEHOLD,
    REDEEM,
    SETTLE,
    SHOP,
    Account,
    Transfer,
)
from .posting_checks import (
    check_category,
    refuse_after_clearing,
    validate,
    validate_period,
)

# --- posting ---------------------------------------------------------------------------------


def post(
    kind: str,
    village_id: int,
    amount: int,
    *,
    household_id: int | None = None,
    shop_id: int | None = None,
    category: str | None = None,
    memo: str | None = None,
    period: str | None = None,
    posted_by_id: int | None = None,
    rule_version_id: int | None = None,
    quantity: Decimal | None = None,
    at_commit: bool = False,
) -> Transfer | chain.PendingTransfer:
    """Post one transfer of ``kind`` (see ``POSTING_KINDS``) and return it.

    ``household_id`` and ``shop_id`` name the household and shop accounts the kind moves
    between. ``rule_version_id`` and ``quantity`` name the rule version and the count or
    hours the points were worked out from (the awards service does the arithmetic and the
    checks). ``period`` defaults to this month in the village's time zone.

    With ``at_commit`` the balances move now and the transfer row and the chain head are
    written as the transaction's last writes, when it commits (see ``chain``); what is
    returned is then the ``PendingTransfer`` with its id.
    """
    spec = POSTING_KINDS[kind]
    if spec.requires_category or category is not None:
        check_category(category)
    debit_code, credit_code = _account_codes(spec, household_id, shop_id)
    return _post(
        village_id,
        kind,
        debit_code=debit_code,
        credit_code=credit_code,
        amount=amount,
        household_id=household_id,
        category=category,
        memo=memo,
        period=period,
        posted_by_id=posted_by_id,
        requires_funds=spec.requires_funds,
        rule_version_id=rule_version_id,
        quantity=quantity,
        at_commit=at_commit,
    )


def _account_codes(
    spec: PostingKind, household_id: int | None, shop_id: int | None
) -> tuple[str, str]:
    """The codes of the accounts a posting of ``spec`` debits and credits."""

    def code(account: str) -> str:
        if account == HOUSEHOLD:
            return household_code(household_id)
        if account == SHOP:
            return shop_code(shop_id)
        return account

    return code(spec.debit), code(spec.credit)


def award(village_id: int, household_id: int, points: int, **fields: Any) -> Transfer:
    """Give a household points: issued -> household."""
    return post(AWARD, village_id, points, household_id=household_id, **fields)


def deduct(village_id: int, household_id: int, points: int, **fields: Any) -> Transfer:
    """Take points from a household: household -> penalties. May go below zero."""
    return post(DEDUCT, village_id, points, household_id=household_id, **fields)


def redeem(
    village_id: int, household_id: int, shop_id: int, points: int, **fields: Any
) -> Transfer | chain.PendingTransfer:
    """Spend a household's points at a shop: household -> shop. Never overdraws."""
    return post(REDEEM, village_id, points, household_id=household_id, shop_id=shop_id, **fields)


def settle(village_id: int, shop_id: int, points: int, **fields: Any) -> Transfer:
    """Record that the village paid a shop for ``points``: shop -> settled."""
    return post(SETTLE, village_id, points, shop_id=shop_id, **fields)


def expire(village_id: int, household_id: int, points: int, **fields: Any) -> Transfer:
    """Year-end clearing of a household's points: household -> expired (see ``clearing``)."""
    return post(EXPIRE, village_id, points, household_id=household_id, **fields)


def reverse(
    transfer_id: int, *, reason: str, posted_by_id: int | None = None, village_id: int | None = None
) -> Transfer:
    """Undo a transfer with a new one the other way that names it. Once per transfer.

    ``village_id``, when given, must be the transfer's village (a caller's permission scope).
    A reversal may take a household below zero: the correction is real even when the
    points were already spent. Reversals count in the period they are posted in, so a month
    that was published stays as it was.

    An award is not reversed when a year-end clearing (an ``expire`` transfer of the
    household, itself not reversed) was posted after it (409 ``reversal_after_clearing``):
    the clearing took the household's positive balance, the award's points with it, so the
    reversal would take them a second time, out of points the household earned since, and
    the village would hold them twice (expired, and issued back). The points the household
    spent before the clearing were not expired; but a reversal is the whole entry, so it is
    refused all the same: the committee posts a new entry for what it judges still owed.
    Reversing the household's clearing first makes the award reversible again. A deduction,
    a sale or an expiry is still reversed after a clearing: their reversals give points back.
    """
    chain.write_pending()  # a sale of this same transaction is reversed from its row
    original = db.session.execute(
        sa.select(
            Transfer.id,
            Transfer.village_id,
            Transfer.kind,
            Transfer.category,
            Transfer.amount,
            Transfer.household_id,
            Transfer.reverses_id,
            Transfer.rule_version_id,
            Transfer.quantity,
            _debit.code.label("debit_code"),
            _credit.code.label("credit_code"),
        )
        .join(_debit, _debit.id == Transfer.debit_account_id)
        .join(_credit, _credit.id == Transfer.credit_account_id)
        .where(Transfer.id == transfer_id)
    ).one_or_none()
    if original is None or (village_id is not None and original.village_id != village_id):
        raise NotFound(_l("No such transfer."))
    if original.reverses_id is not None:
        raise CannotReverseReversal()
    if not reason or not reason.strip():
        raise ValidationFailed(errors={"reason": [str(_l("Give a reason for the reversal."))]})
    return _post(
        original.village_id,
        original.kind,
        debit_code=original.credit_code,
        credit_code=original.debit_code,
        amount=original.amount,
        household_id=original.household_id,
        category=original.category,
        memo=reason.strip(),
        posted_by_id=posted_by_id,
        reverses_id=original.id,
        rule_version_id=original.rule_version_id,
        quantity=original.quantity,
    )


# --- statements --------------------------------------------------------------------------
# The lock statements are the accounts' (``accounts.LOCK_ACCOUNT``, ``accounts.LOCK_HEAD``);
# these write what a posting moves.

_accounts = Account.__table__
_debit = aliased(Account)
_credit = aliased(Account)
# (An UPDATE's bind parameters may not be named after its table's columns.)
_SET_BALANCE = (
    _accounts.update()
    .where(_accounts.c.id == sa.bindparam("account_id"))
    .values(balance=sa.bindparam("new_balance"))
)
_REVERSAL_OF = sa.select(Transfer.id).where(Transfer.reverses_id == sa.bindparam("reverses_id"))


def _post(
    village_id: int,
    kind: str,
    *,
    debit_code: str,
    credit_code: str,
    amount: int,
    household_id: int | None = None,
    category: str | None = None,
    memo: str | None = None,
    period: str | None = None,
    posted_by_id: int | None = None,
    reverses_id: int | None = None,
    requires_funds: bool = False,
    rule_version_id: int | None = None,
    quantity: Decimal | None = None,
    at_commit: bool = False,
) -> Transfer | chain.PendingTransfer:
    validate(amount, memo)
    # What the caller added to the session is written before the ledger reads and locks (the
    # ledger's statements are Core statements, which the session does not flush for).
    db.session.flush()
    if not at_commit:
        # The transaction's transfers still waiting for the commit are written first: the
        # chain keeps the order of its postings, and the accounts they move (a shop's) hold
        # their balances before this posting reads or moves them.
        chain.write_pending()
    # 1. The account whose balance or state decides the posting.
    first_code = household_code(household_id) if household_id is not None else debit_code
    first_is_debit = first_code == debit_code
    other_code = credit_code if first_is_debit else debit_code
    if household_id is None and other_code < first_code:
        # Between two of the village's own accounts the locks go in code order, whichever
        # is debited: a settlement (shop -> settled) and a settlement's reversal (settled ->
        # shop), or a write-off and its reversal, at the same moment cannot deadlock.
        db.session.execute(LOCK_ACCOUNT, {"village_id": village_id, "code": other_code}).first()
    first = db.session.execute(
        LOCK_ACCOUNT, {"village_id": village_id, "code": first_code}
    ).one_or_none()
    if first is None:
        raise AccountMissing()
    now = utcnow()
    today_period = current_period(first.timezone, now)
    validate_period(period, today_period)
    period = period or today_period
    # Nothing posts to a household once it has moved away, a reversal included: its account
    # was closed at 0 and a reversal would strand points (or a debt) in it.
    if first.closed_at is not None:
        raise AccountClosed() if reverses_id is None else ReversalIntoClosedAccount()
    if requires_funds and first.balance < amount:
        raise InsufficientPoints(
            _l(
                "The balance is %(balance)s points; %(amount)s are needed.",
                balance=first.balance,
                amount=amount,
            ),
            balance=first.balance,
            needed=amount,
        )
    if (
        reverses_id is not None
        and db.session.execute(_REVERSAL_OF, {"reverses_id": reverses_id}).first()
    ):
        raise AlreadyReversed()
    if reverses_id is not None and kind == AWARD and household_id is not None:
        refuse_after_clearing(household_id, reverses_id)
    first_after = first.balance - amount if first_is_debit else first.balance + amount
    db.session.execute(_SET_BALANCE, {"account_id": first.id, "new_balance": first_after})
    column = MONTHLY_COLUMN.get(kind)
    if household_id is not None and column is not None:
        delta = -amount if reverses_id is not None else amount
        db.session.execute(
            add_to_month_statement(db.session.get_bind().dialect.name, column),
            {
                "household_id": household_id,
                "period": period,
                "village_id": village_id,
                "delta": delta,
                "delta_again": delta,
            },
        )
    followers = listeners.before_household_transfer(household_id, kind)
    fields = {
        "village_id": village_id,
        "kind": kind,
        "category": category,
        "amount": amount,
        "period": period,
        "memo": memo,
        "household_id": household_id,
        "reverses_id": reverses_id,
        "posted_by_id": posted_by_id,
        "rule_version_id": rule_version_id,
        "quantity": None if quantity is None else Decimal(quantity).quantize(HUNDREDTH),
    }
    first_side, other_side = ("debit", "credit") if first_is_debit else ("credit", "debit")
    fields[f"{first_side}_account_id"], fields[f"{first_side}_balance_after"] = (
        first.id,
        first_after,
    )
    other_delta = amount if first_is_debit else -amount
    if at_commit:
        # 2. The other account (a shop's, shared by all its sales) is moved at commit too,
        # with the transfer: it is held only for the transaction's last writes.
        pending = chain.PendingTransfer(
            id=chain.allocate_transfer_id(),
            created_at=now,
            **fields,
            **{f"{other_side}_account_id": None, f"{other_side}_balance_after": None},
            other_code=other_code,
            other_delta=other_delta,
        )
        # The listeners' rows name the transfer before its row exists (see ``chain``), so
        # they too are written before the village's head is taken.
        listeners.household_transfer_posted(followers, pending)
        chain.write_at_commit(pending)
        return pending

    # 2. The other account, changed in place.
    second = db.session.execute(
        ADD_TO_BALANCE,
        {"of_village": village_id, "account_code": other_code, "delta": other_delta},
    ).one_or_none()
    if second is None:
        raise AccountMissing()
    fields[f"{other_side}_account_id"], fields[f"{other_side}_balance_after"] = second
    # 3. The chain: the transfer and the head, the posting's last writes.
    (transfer,) = chain.write([fields], returning=True)
    listeners.household_transfer_posted(followers, transfer)
    return transfer
