"""Posting and reversing transfers: the only code that writes to the transfers table.

Guarantees of every posting function here:

* It locks the village's chain head (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the
  transaction was begun IMMEDIATE, see ``pointsmart.database``), then the two accounts, so
  concurrent posts in one village serialise and two counters can never spend the same points.
* A redemption never takes a household below zero (``InsufficientPoints``); a deduction may.
* The transfer, both cached balances, the household's monthly totals and the chain head are
  written in the caller's transaction; the caller commits once (or rolls back everything).
* It runs a fixed handful of SQL statements: no object graphs are loaded, no ledger scan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached

from ..database import DriverStatement, session_connection, utcnow
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..periods import current_period, is_valid_period
from ..villages.models import Household, Village
from .errors import (
    AccountClosed,
    AccountMissing,
    AlreadyReversed,
    CannotReverseReversal,
    InsufficientPoints,
)
from .hashing import HUNDREDTH, transfer_hash
from .models import (
    AWARD,
    CATEGORIES,
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
    SYSTEM_ACCOUNT_KINDS,
    Account,
    ChainHead,
    MonthlyTotal,
    Transfer,
)

MAX_MEMO_LENGTH = 500
MAX_AMOUNT = 1_000_000

# Which monthly column a household transfer of each kind moves.
MONTHLY_COLUMN = {AWARD: "earned", DEDUCT: "deducted", REDEEM: "redeemed"}


def household_code(household_id: int) -> str:
    return f"{HOUSEHOLD}:{household_id}"


def shop_code(shop_id: int) -> str:
    return f"{SHOP}:{shop_id}"


# --- opening accounts ------------------------------------------------------------------------


def open_village_ledger(village_id: int) -> None:
    """Create a new village's system accounts and the start of its hash chain."""
    now = utcnow()
    db.session.execute(
        sa.insert(Account),
        [
            {"village_id": village_id, "code": kind, "kind": kind, "balance": 0, "created_at": now}
            for kind in SYSTEM_ACCOUNT_KINDS
        ],
    )
    db.session.add(ChainHead(village_id=village_id))
    db.session.flush()


def open_household_account(village_id: int, household_id: int) -> None:
    """Create the points account of a new household."""
    db.session.execute(
        sa.insert(Account).values(
            village_id=village_id,
            code=household_code(household_id),
            kind=HOUSEHOLD,
            household_id=household_id,
            balance=0,
            created_at=utcnow(),
        )
    )


def open_household_accounts(village_id: int, household_ids: list[int]) -> None:
    """Create the points accounts of many new households in one statement (a roster import)."""
    if not household_ids:
        return
    now = utcnow()
    db.session.execute(
        sa.insert(Account),
        [
            {
                "village_id": village_id,
                "code": household_code(household_id),
                "kind": HOUSEHOLD,
                "household_id": household_id,
                "balance": 0,
                "created_at": now,
            }
            for household_id in household_ids
        ],
    )


def open_shop_account(village_id: int, shop_id: int) -> None:
    """Create the account a shop's redeemed points collect in until the village settles."""
    db.session.execute(
        sa.insert(Account).values(
            village_id=village_id,
            code=shop_code(shop_id),
            kind=SHOP,
            shop_id=shop_id,
            balance=0,
            created_at=utcnow(),
        )
    )


# --- posting ---------------------------------------------------------------------------------


def lock_village_chain(village_id: int) -> str:
    """Lock the village's chain head for the rest of the transaction; returns its time zone.

    A caller that checks something the next posts depend on (a monthly cap, a quota) takes
    this lock first, so no other post of the village can slip in between check and post.
    (On SQLite the IMMEDIATE transaction already serialises writers.)
    """
    row = db.session.execute(
        sa.select(Village.timezone)
        .join(ChainHead, ChainHead.village_id == Village.id)
        .where(Village.id == village_id)
        .with_for_update(of=ChainHead)
    ).one_or_none()
    if row is None:
        raise NotFound(_l("No such village."))
    return row.timezone


def award(
    village_id: int,
    household_id: int,
    points: int,
    *,
    category: str,
    memo: str | None = None,
    period: str | None = None,
    posted_by_id: int | None = None,
    rule_version_id: int | None = None,
    quantity: Decimal | None = None,
) -> Transfer:
    """Give a household points: issued -> household.

    ``rule_version_id`` and ``quantity`` name the rule version and the count or hours the
    points were worked out from (the awards service does the arithmetic and the checks).
    """
    _check_category(category)
    return _post(
        village_id,
        AWARD,
        debit_code=ISSUED,
        credit_code=household_code(household_id),
        amount=points,
        household_id=household_id,
        category=category,
        memo=memo,
        period=period,
        posted_by_id=posted_by_id,
        rule_version_id=rule_version_id,
        quantity=quantity,
    )


def deduct(
    village_id: int,
    household_id: int,
    points: int,
    *,
    category: str,
    memo: str | None = None,
    period: str | None = None,
    posted_by_id: int | None = None,
    rule_version_id: int | None = None,
    quantity: Decimal | None = None,
) -> Transfer:
    """Take points from a household: household -> penalties. May go below zero.

    ``rule_version_id`` and ``quantity`` name the rule version and the count or hours the
    points were worked out from (the awards service does the arithmetic and the checks).
    """
    _check_category(category)
    return _post(
        village_id,
        DEDUCT,
        debit_code=household_code(household_id),
        credit_code=PENALTIES,
        amount=points,
        household_id=household_id,
        category=category,
        memo=memo,
        period=period,
        posted_by_id=posted_by_id,
        rule_version_id=rule_version_id,
        quantity=quantity,
    )


def redeem(
    village_id: int,
    household_id: int,
    shop_id: int,
    points: int,
    *,
    memo: str | None = None,
    posted_by_id: int | None = None,
) -> Transfer:
    """Spend a household's points at a shop: household -> shop. Never overdraws."""
    return _post(
        village_id,
        REDEEM,
        debit_code=household_code(household_id),
        credit_code=shop_code(shop_id),
        amount=points,
        household_id=household_id,
        memo=memo,
        posted_by_id=posted_by_id,
        require_funds=True,
    )


def settle(
    village_id: int,
    shop_id: int,
    points: int,
    *,
    period: str,
    memo: str | None = None,
    posted_by_id: int | None = None,
) -> Transfer:
    """Record that the village paid a shop for ``points``: shop -> settled."""
    return _post(
        village_id,
        SETTLE,
        debit_code=shop_code(shop_id),
        credit_code=SETTLED,
        amount=points,
        period=period,
        memo=memo,
        posted_by_id=posted_by_id,
        require_funds=True,
    )


def expire(
    village_id: int,
    household_id: int,
    points: int,
    *,
    period: str,
    memo: str | None = None,
    posted_by_id: int | None = None,
) -> Transfer:
    """Year-end clearing of a household's points: household -> expired (see ``clearing``).

    Not earned, deducted or redeemed: the household's monthly totals do not change.
    """
    return _post(
        village_id,
        EXPIRE,
        debit_code=household_code(household_id),
        credit_code=EXPIRED,
        amount=points,
        household_id=household_id,
        period=period,
        memo=memo,
        posted_by_id=posted_by_id,
    )


def reverse(
    transfer_id: int, *, reason: str, posted_by_id: int | None = None, village_id: int | None = None
) -> Transfer:
    """Undo a transfer with a new one the other way that names it. Once per transfer.

    ``village_id``, when given, must be the transfer's village (a caller's permission scope).
    A reversal may take a household below zero: the correction is real even when the
    points were already spent. Reversals count in the period they are posted in, so a month
    that was published stays as it was.
    """
    original = db.session.execute(
        sa.select(
            Transfer.id,
            Transfer.village_id,
            Transfer.kind,
            Transfer.category,
            Transfer.debit_account_id,
            Transfer.credit_account_id,
            Transfer.amount,
            Transfer.household_id,
            Transfer.reverses_id,
            Transfer.rule_version_id,
            Transfer.quantity,
        ).where(Transfer.id == transfer_id)
    ).one_or_none()
    if original is None or (village_id is not None and original.village_id != village_id):
        raise NotFound(_l("No such transfer."))
    if original.reverses_id is not None:
        raise CannotReverseReversal()
    if not reason or not reason.strip():
        raise ValidationFailed(errors={"reason": [str(_l("Give a reason for the reversal."))]})
    accounts = dict(
        db.session.execute(
            sa.select(Account.id, Account.code).where(
                Account.id.in_([original.debit_account_id, original.credit_account_id])
            )
        ).all()
    )
    return _post(
        original.village_id,
        original.kind,
        debit_code=accounts[original.credit_account_id],
        credit_code=accounts[original.debit_account_id],
        amount=original.amount,
        household_id=original.household_id,
        category=original.category,
        memo=reason.strip(),
        posted_by_id=posted_by_id,
        reverses_id=original.id,
        rule_version_id=original.rule_version_id,
        quantity=original.quantity,
    )


def _check_category(category: str) -> None:
    if category not in CATEGORIES:
        raise ValidationFailed(
            errors={"category": [str(_l("Unknown category."))]}, allowed=list(CATEGORIES)
        )


def _validate(amount: Any, memo: str | None, period: str | None, today_period: str) -> None:
    errors: dict[str, list[str]] = {}
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["points"] = [str(_l("Points must be a whole number above zero."))]
    elif amount > MAX_AMOUNT:
        errors["points"] = [str(_l("Points must be at most %(max)s.", max=MAX_AMOUNT))]
    if memo is not None and len(memo) > MAX_MEMO_LENGTH:
        errors["memo"] = [str(_l("At most %(max)s characters.", max=MAX_MEMO_LENGTH))]
    if period is not None:
        if not is_valid_period(period):
            errors["period"] = [str(_l("A period is written YYYY-MM."))]
        elif period > today_period:
            errors["period"] = [str(_l("The period is in the future."))]
    if errors:
        raise ValidationFailed(errors=errors)


# The hot path's statements, built once with bind parameters and run on the driver (see
# ``DriverStatement``): a post runs six of them, inside SQLite's single write lock.
_HEAD_FOR_UPDATE = DriverStatement(
    sa.select(ChainHead.last_seq, ChainHead.last_hash, Village.timezone)
    .join(Village, Village.id == ChainHead.village_id)
    .where(ChainHead.village_id == sa.bindparam("village_id"))
    .with_for_update(of=ChainHead)
)
_ACCOUNTS_FOR_UPDATE = DriverStatement(
    sa.select(
        Account.id,
        Account.code,
        Account.balance,
        Account.household_id,
        Household.status.label("household_status"),
    )
    .outerjoin(Household, Household.id == Account.household_id)
    .where(
        Account.village_id == sa.bindparam("village_id"),
        Account.code.in_([sa.bindparam("debit_code"), sa.bindparam("credit_code")]),
    )
    .with_for_update(of=Account)
)
_REVERSAL_OF = DriverStatement(
    sa.select(Transfer.id).where(Transfer.reverses_id == sa.bindparam("reverses_id"))
)
_INSERT_TRANSFER = DriverStatement(sa.insert(Transfer.__table__).returning(Transfer.__table__.c.id))
_SET_BALANCE = DriverStatement(
    Account.__table__.update()
    .where(Account.__table__.c.id == sa.bindparam("account_id"))
    .values(balance=sa.bindparam("new_balance"))
)
_MOVE_HEAD = DriverStatement(
    ChainHead.__table__.update()
    .where(ChainHead.__table__.c.village_id == sa.bindparam("head_village_id"))
    .values(last_seq=sa.bindparam("last_seq"), last_hash=sa.bindparam("last_hash"))
)
_ADD_TO_MONTH: dict[tuple[str, str], DriverStatement] = {}


def _add_to_month_statement(dialect: str, column: str) -> DriverStatement:
    """INSERT ... ON CONFLICT DO UPDATE adding ``:delta`` to one monthly column."""
    key = (dialect, column)
    statement = _ADD_TO_MONTH.get(key)
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = MonthlyTotal.__table__
        statement = DriverStatement(
            insert(table)
            .values(
                household_id=sa.bindparam("household_id"),
                period=sa.bindparam("period"),
                village_id=sa.bindparam("village_id"),
                **{name: 0 for name in ("earned", "deducted", "redeemed") if name != column},
                **{column: sa.bindparam("delta")},
            )
            .on_conflict_do_update(
                index_elements=[table.c.household_id, table.c.period],
                set_={column: table.c[column] + sa.bindparam("delta_again")},
            )
        )
        _ADD_TO_MONTH[key] = statement
    return statement


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
    require_funds: bool = False,
    rule_version_id: int | None = None,
    quantity: Decimal | None = None,
) -> Transfer:
    # What the caller added to the session is in the database before we read (the autoflush
    # that ``session.execute`` would do); the statements below go to the connection directly.
    db.session.flush()
    connection = session_connection(db.session)
    head = _HEAD_FOR_UPDATE.one_or_none(connection, {"village_id": village_id})
    if head is None:
        raise NotFound(_l("No such village."))
    now = utcnow()
    today_period = current_period(head.timezone, now)
    _validate(amount, memo, period, today_period)

    rows = _ACCOUNTS_FOR_UPDATE.rows(
        connection,
        {"village_id": village_id, "debit_code": debit_code, "credit_code": credit_code},
    )
    by_code = {row.code: row for row in rows}
    if debit_code not in by_code or credit_code not in by_code:
        raise AccountMissing()
    debit, credit = by_code[debit_code], by_code[credit_code]
    # Read under the chain lock, which closing an account also takes: nothing posts to a
    # household once it has moved away, however close the two requests come. A reversal
    # still may (it corrects what was posted while the household was here).
    closed = {debit.household_status, credit.household_status} - {None, "active"}
    if closed and reverses_id is None:
        raise AccountClosed()
    if require_funds and debit.balance < amount:
        raise InsufficientPoints(
            _l(
                "The balance is %(balance)s points; %(amount)s are needed.",
                balance=debit.balance,
                amount=amount,
            ),
            balance=debit.balance,
            needed=amount,
        )
    if reverses_id is not None and _REVERSAL_OF.rows(connection, {"reverses_id": reverses_id}):
        raise AlreadyReversed()

    fields = {
        "village_id": village_id,
        "seq": head.last_seq + 1,
        "kind": kind,
        "category": category,
        "debit_account_id": debit.id,
        "credit_account_id": credit.id,
        "amount": amount,
        "period": period or today_period,
        "memo": memo,
        "household_id": household_id,
        "debit_balance_after": debit.balance - amount,
        "credit_balance_after": credit.balance + amount,
        "reverses_id": reverses_id,
        "posted_by_id": posted_by_id,
        "created_at": now,
        "rule_version_id": rule_version_id,
        "quantity": None if quantity is None else Decimal(quantity).quantize(HUNDREDTH),
    }
    digest = transfer_hash(fields, head.last_hash)
    row = {**fields, "prev_hash": head.last_hash, "hash": digest}
    transfer_id = _INSERT_TRANSFER.scalar(connection, row)

    _SET_BALANCE.execute_many(
        connection,
        [
            {"account_id": debit.id, "new_balance": fields["debit_balance_after"]},
            {"account_id": credit.id, "new_balance": fields["credit_balance_after"]},
        ],
    )
    if household_id is not None and kind in MONTHLY_COLUMN:
        delta = -amount if reverses_id is not None else amount
        _add_to_month_statement(connection.dialect.name, MONTHLY_COLUMN[kind]).execute(
            connection,
            {
                "household_id": household_id,
                "period": fields["period"],
                "village_id": village_id,
                "delta": delta,
                "delta_again": delta,
            },
        )
    _MOVE_HEAD.execute(
        connection,
        {"head_village_id": village_id, "last_seq": fields["seq"], "last_hash": digest},
    )
    # The row is written; hand back a persistent Transfer for it without another INSERT.
    transfer = Transfer(id=transfer_id, **row)
    make_transient_to_detached(transfer)
    db.session.add(transfer)
    return transfer


# --- reading ---------------------------------------------------------------------------------


def account_balance(village_id: int, code: str) -> int:
    """The cached balance of an account (one indexed row)."""
    balance = db.session.execute(
        sa.select(Account.balance).where(Account.village_id == village_id, Account.code == code)
    ).scalar_one_or_none()
    if balance is None:
        raise AccountMissing()
    return balance


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
