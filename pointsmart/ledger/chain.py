"""The village's chain: writing transfers and moving the chain head, the last writes of a
posting, and for a sale the last writes of its whole transaction.

A posting (``posting._post``) does its checks and its account writes first and hands the
transfer's fields here. :func:`write` then locks each village's chain head once (villages in
id order), numbers and hashes the transfers, inserts them and moves the head.

A posting made with ``at_commit=True`` (the counter's sale) is not written at once: its
transfer id is allocated now (:func:`allocate_transfer_id`), the caller writes its own rows
that name it (the redemption, the text message, the idempotency record's answer), and the
transfer and the head are written by the session's ``before_commit`` hook, after the session's
last flush, together with the move of the posting's other account (the shop's, which every
sale of the shop moves): on PostgreSQL the shop's account row and the head's are then held
for four statements and the commit, whatever else the request wrote. The foreign keys that
may name a transfer before its row exists (``redemptions.transfer_id``,
``sms_outbox.transfer_id``) are checked at commit (``DEFERRABLE INITIALLY DEFERRED``,
migration 0023).

Pending transfers belong to the (nested) transaction they were made in: a rolled-back
savepoint drops its own, and a posting written at once first writes those pending before it,
so a village's seq follows the order of postings within a transaction; should a savepoint that
wrote them that way roll back, they wait for the commit again. Releasing a savepoint is not
the commit: the chain waits for the transaction's own.

On PostgreSQL a sale's id is therefore given before its seq, and another transaction may
post in between: within a village ids and seqs may cross (within a household they cannot:
its account stays locked from the id to the commit). What follows the chain's order reads
``seq``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event, orm

from ..database import utcnow
from ..extensions import db
from .accounts import ADD_TO_BALANCE, LOCK_HEAD
from .errors import AccountMissing
from .hashing import transfer_hash
from .models import ChainHead, Transfer

PENDING = "pointsmart.ledger.pending_transfers"
# Pending transfers written before the commit (by a posting written at once), kept until the
# transaction ends: a savepoint that wrote them and rolls back puts them back in PENDING.
WRITTEN = "pointsmart.ledger.written_pending_transfers"

_heads = ChainHead.__table__
_transfers = Transfer.__table__
_MOVE_HEAD = (
    _heads.update()
    .where(_heads.c.village_id == sa.bindparam("of_village"))
    .values(last_seq=sa.bindparam("new_seq"), last_hash=sa.bindparam("new_hash"))
)
# On PostgreSQL a village's one transfer written at commit (a sale's) moves the head in its own
# INSERT (a data-modifying CTE): one round trip less while the head is held. Several transfers
# keep an executemany and one UPDATE: with the CTE the UPDATE would run once a row, and
# SQLAlchemy's batching of the rows into one INSERT would break it (``of_village`` is in its
# VALUES). SQLite has no data-modifying CTE, and no round trip between two statements.
# The row goes without its ``village_id`` (given as ``of_village``): a parameter named after
# one of chain_heads' columns would be added to the UPDATE's SET as well.
_INSERT_MOVING_HEAD = (
    _transfers.insert()
    .values(village_id=sa.bindparam("of_village"))
    .add_cte(_MOVE_HEAD.cte("moved_head"))
)
_NEXT_ID_POSTGRESQL = sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence("transfers", "id")))
# On SQLite the transaction holds the database's one write lock (BEGIN IMMEDIATE), so the next
# rowid cannot be taken by anyone else before this transaction commits.
_NEXT_ID_SQLITE = sa.select(sa.func.coalesce(sa.func.max(_transfers.c.id), 0) + 1)


@dataclass(frozen=True)
class PendingTransfer:
    """A transfer to be written at commit: its id and every field but its place in the chain
    (``seq``, the hashes and ``created_at``, which are given under the head's lock)."""

    id: int
    village_id: int
    kind: str
    category: str | None
    # The household's side is known (its account was locked and moved when posting); the
    # other side, ``None`` here, is the account ``other_code``, moved by ``other_delta`` at
    # commit (see :func:`write_pending`).
    debit_account_id: int | None
    credit_account_id: int | None
    amount: int
    period: str
    memo: str | None
    household_id: int | None
    debit_balance_after: int | None
    credit_balance_after: int | None
    reverses_id: int | None
    posted_by_id: int | None
    rule_version_id: int | None
    quantity: Decimal | None
    # When it was prepared: what a listener may show (a text message's day); the row's own
    # ``created_at`` is taken under the head's lock.
    created_at: Any
    other_code: str
    other_delta: int

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _PENDING_COLUMNS}


_PENDING_COLUMNS = tuple(
    name
    for name in PendingTransfer.__dataclass_fields__
    if name not in ("created_at", "other_code", "other_delta")
)


@dataclass
class _Entry:
    transfer: PendingTransfer
    transaction: orm.SessionTransaction | None  # the (nested) transaction it was made in
    written_in: orm.SessionTransaction | None = None  # where write_pending wrote it


def allocate_transfer_id() -> int:
    """The id the next transfer of this transaction will have."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(_NEXT_ID_POSTGRESQL).scalar_one()
    taken = [entry.transfer.id for entry in session.info.get(PENDING, ())]
    return max([session.execute(_NEXT_ID_SQLITE).scalar_one(), *(i + 1 for i in taken)])


def write_at_commit(transfer: PendingTransfer) -> None:
    """Write ``transfer`` and move its village's head when the session commits."""
    session = db.session()  # the scoped session's own Session: its transactions
    session.info.setdefault(PENDING, []).append(_Entry(transfer, _innermost(session)))


def write_pending(session: orm.Session | None = None) -> None:
    """Write the transfers waiting for the commit now (a posting written at once calls this
    first, so that the chain keeps the order of the transaction's postings)."""
    session = session or db.session()
    entries = session.info.pop(PENDING, None)
    if entries:
        for entry in entries:
            entry.written_in = _innermost(session)
        session.info.setdefault(WRITTEN, []).extend(entries)
        transfers = [entry.transfer for entry in entries]
        write(_with_the_other_accounts_moved(transfers, session), session=session)


def _with_the_other_accounts_moved(
    transfers: list[PendingTransfer], session: orm.Session
) -> list[dict[str, Any]]:
    """Move the accounts the pending transfers left for the commit (one UPDATE an account,
    in village and code order, so two commits cannot deadlock) and give each transfer's
    fields that side's account and balance after it, in the transfers' order."""
    totals: dict[tuple[int, str], int] = {}
    for transfer in transfers:
        key = (transfer.village_id, transfer.other_code)
        totals[key] = totals.get(key, 0) + transfer.other_delta
    accounts: dict[tuple[int, str], tuple[int, int]] = {}
    for (village_id, code), total in sorted(totals.items()):
        moved = session.execute(
            ADD_TO_BALANCE, {"of_village": village_id, "account_code": code, "delta": total}
        ).one_or_none()
        if moved is None:
            raise AccountMissing()
        accounts[(village_id, code)] = (moved.id, moved.balance - total)  # the balance before
    rows = []
    for transfer in transfers:
        key = (transfer.village_id, transfer.other_code)
        account_id, balance = accounts[key]
        balance += transfer.other_delta
        accounts[key] = (account_id, balance)
        side = "debit" if transfer.debit_account_id is None else "credit"
        rows.append(
            {
                **transfer.fields(),
                f"{side}_account_id": account_id,
                f"{side}_balance_after": balance,
            }
        )
    return rows


def write(
    transfers: Iterable[dict[str, Any]],
    *,
    returning: bool = False,
    session: orm.Session | None = None,
) -> list[Transfer]:
    """Insert transfers (fields without seq, hashes, created_at) in their villages' chains.

    Each village's head is locked once, in village id order so that two transactions posting
    in the same villages cannot deadlock. With ``returning`` the written rows come back as
    ``Transfer`` objects, in the order given.
    """
    session = session or db.session
    by_village: dict[int, list[dict[str, Any]]] = {}
    for fields in transfers:
        by_village.setdefault(fields["village_id"], []).append(fields)
    written: list[Transfer] = []
    for village_id in sorted(by_village):
        head = session.execute(LOCK_HEAD, {"village_id": village_id}).one()
        seq, last_hash = head.last_seq, head.last_hash
        rows = []
        for fields in by_village[village_id]:
            seq += 1
            # The time is taken under the head's lock: a village's stamps rise with its seq.
            row = {**fields, "seq": seq, "created_at": utcnow()}
            digest = transfer_hash(row, last_hash)
            rows.append({**row, "prev_hash": last_hash, "hash": digest})
            last_hash = digest
        moved = {"of_village": village_id, "new_seq": seq, "new_hash": last_hash}
        if returning:
            # populate_existing: where SQLite reused the id of a transfer whose savepoint was
            # rolled back, the session may still hold that object; the answer must be the row
            # just written.
            written.extend(
                session.scalars(
                    sa.insert(Transfer)
                    .returning(Transfer, sort_by_parameter_order=True)
                    .execution_options(populate_existing=True),
                    rows,
                ).all()
            )
        elif len(rows) == 1 and session.get_bind().dialect.name == "postgresql":
            session.execute(_INSERT_MOVING_HEAD, {**_without_village(rows[0]), **moved})
            continue
        else:
            session.execute(_transfers.insert(), rows)
        session.execute(_MOVE_HEAD, moved)
    return written


def _without_village(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != "village_id"}


def init_app(app: Flask) -> None:
    """Hook the pending transfers into every session's commit and rollback (idempotent)."""
    for name, listener in (
        ("before_commit", _write_before_commit),
        ("after_soft_rollback", _drop_rolled_back),
        ("after_transaction_end", _forget_at_the_end),
    ):
        if not event.contains(orm.Session, name, listener):
            event.listen(orm.Session, name, listener)


def _write_before_commit(session: orm.Session) -> None:
    # SQLAlchemy calls this for a savepoint's release too: the chain waits for the real commit.
    if not session.info.get(PENDING) or session.in_nested_transaction():
        return
    # Whatever the request still holds unflushed goes first: the chain is the last write.
    session.flush()
    write_pending(session)


def _drop_rolled_back(session: orm.Session, previous_transaction: orm.SessionTransaction):
    """Pending transfers made in the rolled-back (nested) transaction are gone with it; those
    it wrote but made before it are pending again (their accounts moved outside it)."""
    pending = [
        entry
        for entry in session.info.get(PENDING, ())
        if not _within(entry.transaction, previous_transaction)
    ]
    written, again = [], []
    for entry in session.info.get(WRITTEN, ()):
        if not _within(entry.written_in, previous_transaction):
            written.append(entry)
        elif not _within(entry.transaction, previous_transaction):
            entry.written_in = None
            again.append(entry)
    # The ids were given in the order of the postings.
    session.info[PENDING] = sorted(again + pending, key=lambda entry: entry.transfer.id)
    session.info[WRITTEN] = written


def _forget_at_the_end(session: orm.Session, transaction: orm.SessionTransaction) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(PENDING, None)
        session.info.pop(WRITTEN, None)


def _innermost(session: orm.Session) -> orm.SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _within(transaction: orm.SessionTransaction | None, ended: orm.SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False
