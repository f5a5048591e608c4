"""A village's accounts: opening them, locking them in the order every posting takes its
locks, closing a household's, and reading a cached balance; and the statements that move a
balance and a household's monthly totals. Only the ledger writes them (``posting`` moves
balances with these statements; this module opens, locks and closes)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from ..database import utcnow
from ..errors import NotFound
from ..extensions import db
from .errors import AccountMissing
from .models import HOUSEHOLD, SHOP, SYSTEM_ACCOUNT_KINDS, Account, ChainHead, MonthlyTotal

# The one column of the villages table a posting reads (its time zone decides the month); by
# name, so that the ledger imports nothing of the packages above it.
_villages = sa.table("villages", sa.column("id"), sa.column("timezone"))


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


# --- locks -----------------------------------------------------------------------------------
# The order every posting takes its locks in, so that two postings never wait for each other
# in a circle (on PostgreSQL; on SQLite the IMMEDIATE transaction holds the whole database):
#
# 1. the account whose balance or state decides the posting: the household's, or, for a
#    transfer without a household, the account it debits (a shop that is paid, say), after
#    the other one where the other's code sorts first (two village accounts are always
#    locked in code order);
# 2. the other account, changed in place (its balance decides nothing): for a posting at
#    commit (a sale), at the commit, just before the head;
# 3. the village's chain head, held only to insert the transfer and move the head.
#
# A transaction that posts to several households (a batch, the year-end clearing) locks all
# their accounts first, with :func:`lock_household_accounts`, so that once it holds the chain
# head it never waits for an account another posting holds. A transaction that also changes
# goods' stock (a sale, a void, an offline sale's reconciliation) does so after its
# household's account and before the village's accounts (a sale moves its shop's at commit):
# households, goods, the village's accounts, the head.

_accounts = Account.__table__
_heads = ChainHead.__table__

LOCK_ACCOUNT = (
    sa.select(
        _accounts.c.id,
        _accounts.c.balance,
        _accounts.c.closed_at,
        _villages.c.timezone,
    )
    .join(_villages, _villages.c.id == _accounts.c.village_id)
    .where(
        _accounts.c.village_id == sa.bindparam("village_id"),
        _accounts.c.code == sa.bindparam("code"),
    )
    .with_for_update(of=_accounts)
)
# (An UPDATE's bind parameters may not be named after its table's columns.)
ADD_TO_BALANCE = (
    _accounts.update()
    .where(
        _accounts.c.village_id == sa.bindparam("of_village"),
        _accounts.c.code == sa.bindparam("account_code"),
    )
    .values(balance=_accounts.c.balance + sa.bindparam("delta"))
    .returning(_accounts.c.id, _accounts.c.balance)
)
LOCK_HEAD = (
    sa.select(_heads.c.last_seq, _heads.c.last_hash)
    .where(_heads.c.village_id == sa.bindparam("village_id"))
    .with_for_update()
)


def lock_household_account(village_id: int, household_id: int) -> Any:
    """Lock a household's account for the rest of the transaction: (id, balance, closed_at).

    Whoever checks something that depends on the household's history (a monthly cap, the
    day's awards against the approval threshold, closing the account) takes this lock first,
    so no posting to the household can slip in between the check and what follows it.
    """
    row = db.session.execute(
        LOCK_ACCOUNT, {"village_id": village_id, "code": household_code(household_id)}
    ).one_or_none()
    if row is None:
        raise AccountMissing()
    return row


def lock_household_accounts(village_id: int, household_ids: list[int]) -> None:
    """Lock many households' accounts, in id order, before a transaction's first posting."""
    if not household_ids:
        return
    db.session.execute(
        sa.select(_accounts.c.id)
        .where(
            _accounts.c.village_id == village_id,
            _accounts.c.household_id.in_(sorted(set(household_ids))),
        )
        .order_by(_accounts.c.id)
        .with_for_update()
    ).all()


def close_household_account(village_id: int, household_id: int) -> int:
    """Close a household's account if its balance is 0; otherwise return the balance and
    close nothing.

    No posting reaches a closed account, not even a reversal (a sale voided, an entry
    corrected after the household left): it would leave points in an account nobody can
    spend from, or a debt nobody can pay, for ever. Such a reversal is refused
    (``ReversalIntoClosedAccount``); the village decides what to do about the entry by
    other means (a shop keeps a sale it cannot void, say). We chose refusing over reopening
    the account (a household that left would hold points again) and over passing the points
    to the village (a transfer kind of its own, for a rare case that the committee can
    settle by hand)."""
    account = lock_household_account(village_id, household_id)
    if account.balance != 0:
        return account.balance
    db.session.execute(
        _accounts.update().where(_accounts.c.id == account.id).values(closed_at=utcnow())
    )
    return 0


def lock_village_chain(village_id: int) -> None:
    """Hold the village's chain head for the rest of the transaction: no posting of the
    village can complete meanwhile (``ledger rebuild`` replays the chain under it)."""
    if db.session.execute(LOCK_HEAD, {"village_id": village_id}).one_or_none() is None:
        raise NotFound(_l("No such village."))


# --- reading ---------------------------------------------------------------------------------


def account_balance(village_id: int, code: str) -> int:
    """The cached balance of an account (one indexed row)."""
    balance = db.session.execute(
        sa.select(Account.balance).where(Account.village_id == village_id, Account.code == code)
    ).scalar_one_or_none()
    if balance is None:
        raise AccountMissing()
    return balance


_ADD_TO_MONTH: dict[tuple[str, str], Any] = {}


def add_to_month_statement(dialect: str, column: str):
    """INSERT ... ON CONFLICT DO UPDATE adding ``:delta`` to one monthly column."""
    key = (dialect, column)
    statement = _ADD_TO_MONTH.get(key)
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = MonthlyTotal.__table__
        statement = (
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
