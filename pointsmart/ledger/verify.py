"""Checking the ledger, and rebuilding its caches from the transfers.

``verify_village`` replays a village's transfers in chain order and checks, for each one,
that it follows the previous link (``seq`` and ``prev_hash``), that its hash matches its
content, that the balances it recorded match the running balances, and, for an entry by rule,
that its points are its quantity x the points of the rule version it names, rounded half up
(a rule of its own village, whose sign matches the kind). Then it compares the
cached account balances, monthly totals and chain head with what the transfers say, and runs
the checks other packages registered (``checks``: the regions' rollups). It reads
the transfers as a stream of plain rows, so memory stays flat however long the ledger is.

``rebuild_village`` recomputes the caches from the transfers. It never touches a transfer,
so a broken chain stays broken and the following verify still names it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from .checks import rule_check, village_checks
from .hashing import CORE_FIELDS, OPTIONAL_FIELDS, canonical_value, values_hash
from .kinds import MONTHLY_COLUMN
from .models import GENESIS_HASH, Account, ChainHead, MonthlyTotal, Transfer

STREAM_BATCH = 5_000
MAX_PROBLEMS = 50

_VILLAGES = sa.table("villages", sa.column("id"))


@dataclass
class VerifyReport:
    village_id: int
    transfers_checked: int = 0
    head_hash: str = GENESIS_HASH
    first_bad_transfer_id: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: str, transfer_id: int | None = None) -> None:
        if transfer_id is not None and self.first_bad_transfer_id is None:
            self.first_bad_transfer_id = transfer_id
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


@dataclass
class _Replay:
    balances: dict[int, int]
    monthly: dict[tuple[int, str], dict[str, int]]
    last_seq: int
    last_hash: str


def village_ids() -> list[int]:
    return list(db.session.execute(sa.select(_VILLAGES.c.id).order_by(_VILLAGES.c.id)).scalars())


@contextlib.contextmanager
def _consistent_reads() -> Iterator[Callable]:
    """An ``execute`` whose reads all see one moment of the database.

    Verify compares the transfers with the caches that posts update alongside them; reads
    taken at different moments would show a post made in between as a mismatch. On
    PostgreSQL (READ COMMITTED) verify therefore reads through its own REPEATABLE READ
    snapshot, without locking anybody out. A SQLite transaction already reads one snapshot.
    A session bound to a single connection (the tests' rolled-back transaction) shares it.
    """
    bind = db.session.get_bind()
    if isinstance(bind, sa.engine.Connection) or bind.dialect.name != "postgresql":
        # Core execution on the session's connection: plain rows, no ORM loading step.
        yield db.session.connection().execute
        return
    with bind.connect() as connection:
        snapshot = connection.execution_options(isolation_level="REPEATABLE READ")
        with snapshot.begin():
            yield snapshot.execute


def verify_village(village_id: int) -> VerifyReport:
    """Recompute the village's chain and caches; the report names the first bad transfer."""
    with _consistent_reads() as execute:
        return _verify(execute, village_id)


def verify_village_with(execute: Callable, village_id: int) -> VerifyReport:
    """Verify reading through ``execute``: a caller that holds a snapshot (a backup that
    exported it to pg_dump) verifies exactly what that snapshot holds."""
    return _verify(execute, village_id)


def _verify(execute: Callable, village_id: int) -> VerifyReport:
    report = VerifyReport(village_id=village_id)
    replay = replay_transfers(execute, village_id, report)
    report.head_hash = replay.last_hash

    cached = execute(
        sa.select(Account.id, Account.code, Account.balance).where(Account.village_id == village_id)
    ).all()
    for account in cached:
        expected = replay.balances.get(account.id, 0)
        if account.balance != expected:
            report.add(
                f"account {account.code} (id {account.id}) caches balance {account.balance}, "
                f"transfers say {expected}"
            )

    rows = execute(
        sa.select(
            MonthlyTotal.household_id,
            MonthlyTotal.period,
            MonthlyTotal.earned,
            MonthlyTotal.deducted,
            MonthlyTotal.redeemed,
        ).where(MonthlyTotal.village_id == village_id)
    )
    seen = set()
    for row in rows:
        key = (row.household_id, row.period)
        seen.add(key)
        expected = replay.monthly.get(key, {"earned": 0, "deducted": 0, "redeemed": 0})
        actual = {"earned": row.earned, "deducted": row.deducted, "redeemed": row.redeemed}
        if actual != expected:
            report.add(
                f"monthly totals of household {row.household_id} in {row.period} are {actual}, "
                f"transfers say {expected}"
            )
    for key, expected in replay.monthly.items():
        if key not in seen and any(expected.values()):
            report.add(f"monthly totals of household {key[0]} in {key[1]} are missing")

    head = execute(
        sa.select(ChainHead.last_seq, ChainHead.last_hash).where(ChainHead.village_id == village_id)
    ).one_or_none()
    if head is None:
        report.add("the village has no chain head")
    elif (head.last_seq, head.last_hash) != (replay.last_seq, replay.last_hash):
        report.add(
            f"chain head says seq {head.last_seq} hash {head.last_hash[:12]}..., "
            f"transfers end at seq {replay.last_seq} hash {replay.last_hash[:12]}..."
        )
    for check in village_checks():
        for problem in check(execute, village_id):
            report.add(problem)
    return report


# The replay reads plain tuples in this column order (no per-row mapping or ORM object) and
# hashes them with ``values_hash``: see docs/benchmarks.md for what that bought.
_ID, _PREV_HASH, _HASH = 0, 1, 2
_CORE = slice(3, 3 + len(CORE_FIELDS))
_OPTIONAL = slice(3 + len(CORE_FIELDS), 3 + len(CORE_FIELDS) + len(OPTIONAL_FIELDS))
_COLUMN = {name: 3 + index for index, name in enumerate(CORE_FIELDS + OPTIONAL_FIELDS)}


_CREATED_AT = CORE_FIELDS.index("created_at")


def _transfer_rows(execute: Callable, village_id: int):
    columns = [getattr(Transfer, name) for name in CORE_FIELDS + OPTIONAL_FIELDS]
    # The timestamp as the driver gives it (text on SQLite, a naive datetime on PostgreSQL),
    # turned into the hash's text by ``_created_at_text``: parsing a million timestamps into
    # aware datetimes only to print them again was a third of the replay.
    columns[_CREATED_AT] = sa.type_coerce(Transfer.created_at, sa.types.NullType()).label(
        "created_at"
    )
    statement = (
        sa.select(Transfer.id, Transfer.prev_hash, Transfer.hash, *columns)
        .where(Transfer.village_id == village_id)
        .order_by(Transfer.seq)
        .execution_options(yield_per=STREAM_BATCH)
    )
    return execute(statement)


def _created_at_text(value: Any) -> str:
    """The canonical text of a stored naive-UTC timestamp, as ``transfer_hash`` writes it."""
    if type(value) is str:
        if len(value) == 26 and value[10] == " ":  # SQLite: "YYYY-MM-DD HH:MM:SS.ffffff"
            return f"{value[:10]}T{value[11:]}Z"
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return canonical_value(value)


def _replay(
    execute: Callable, village_id: int, state: _Replay
) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """Each transfer in chain order with what is wrong with it (usually nothing).

    Updates ``state`` (running balances, monthly totals, last link) as it goes.
    """
    seq_at, kind_at, amount_at = _COLUMN["seq"], _COLUMN["kind"], _COLUMN["amount"]
    debit_at, credit_at = _COLUMN["debit_account_id"], _COLUMN["credit_account_id"]
    debit_after_at = _COLUMN["debit_balance_after"]
    credit_after_at = _COLUMN["credit_balance_after"]
    household_at, period_at = _COLUMN["household_id"], _COLUMN["period"]
    reverses_at, version_at = _COLUMN["reverses_id"], _COLUMN["rule_version_id"]
    balances, monthly = state.balances, state.monthly
    last_seq, last_hash = state.last_seq, state.last_hash
    rules = rule_check()
    versions = rules.load(execute, village_id) if rules else None
    rows = _transfer_rows(execute, village_id)
    try:
        for row in rows:
            seq, amount = row[seq_at], row[amount_at]
            prev_hash, stored_hash = row[_PREV_HASH], row[_HASH]
            core = list(row[_CORE])
            core[_CREATED_AT] = _created_at_text(core[_CREATED_AT])
            hash_ok = values_hash(core, row[_OPTIONAL], prev_hash) == stored_hash
            debit, credit = row[debit_at], row[credit_at]
            debit_balance = balances.get(debit, 0) - amount
            credit_balance = balances.get(credit, 0) + amount
            balances[debit], balances[credit] = debit_balance, credit_balance
            kind, household_id = row[kind_at], row[household_at]
            if household_id is not None and kind in MONTHLY_COLUMN:
                key = (household_id, row[period_at])
                totals = monthly.get(key)
                if totals is None:
                    totals = monthly[key] = {"earned": 0, "deducted": 0, "redeemed": 0}
                totals[MONTHLY_COLUMN[kind]] += -amount if row[reverses_at] is not None else amount
            if (
                hash_ok
                and seq == last_seq + 1
                and prev_hash == last_hash
                and debit_balance == row[debit_after_at]
                and credit_balance == row[credit_after_at]
                and row[version_at] is None
            ):
                problems: tuple[str, ...] = ()
            else:
                problems = _row_problems(
                    row,
                    (rules, versions),
                    last_seq,
                    last_hash,
                    hash_ok,
                    (debit_balance, credit_balance),
                )
            last_seq, last_hash = seq, stored_hash
            yield row, problems
    finally:
        state.last_seq, state.last_hash = last_seq, last_hash
        rows.close()


def _row_problems(
    row, rules: tuple, last_seq: int, last_hash: str, hash_ok: bool, balances
) -> tuple[str, ...]:
    """Everything wrong with a transfer that failed one of the replay's checks."""
    transfer_id, seq = row[_ID], row[_COLUMN["seq"]]
    problems = []
    rule_check, versions = rules
    if row[_COLUMN["rule_version_id"]] is not None and rule_check is not None:
        problems += rule_check.problems(
            transfer_id,
            row[_COLUMN["kind"]],
            row[_COLUMN["amount"]],
            row[_COLUMN["rule_version_id"]],
            row[_COLUMN["quantity"]],
            versions,
        )
    if seq != last_seq + 1:
        problems.append(f"transfer {transfer_id} has seq {seq}, expected {last_seq + 1}")
    if row[_PREV_HASH] != last_hash:
        problems.append(f"transfer {transfer_id} does not follow the previous link")
    if not hash_ok:
        problems.append(f"transfer {transfer_id} does not match its hash")
    debit_balance, credit_balance = balances
    if debit_balance != row[_COLUMN["debit_balance_after"]]:
        problems.append(f"transfer {transfer_id} records a wrong debit balance")
    if credit_balance != row[_COLUMN["credit_balance_after"]]:
        problems.append(f"transfer {transfer_id} records a wrong credit balance")
    return tuple(problems)


def replay_transfers(execute: Callable, village_id: int, report: VerifyReport) -> _Replay:
    state = _Replay({}, {}, 0, GENESIS_HASH)
    checked = 0
    for row, problems in _replay(execute, village_id, state):
        checked += 1
        for problem in problems:
            report.add(problem, row[_ID])
    report.transfers_checked += checked
    return state


# --- a printed head --------------------------------------------------------------------------

HEAD_HASH_PATTERN = re.compile(r"[0-9a-f]{64}\Z")


@dataclass
class HeadReport:
    """Whether the chain still holds, unchanged, up to the transfer whose hash was printed."""

    village_id: int
    head_hash: str
    transfers_checked: int = 0
    # The transfer that carries the printed hash, when the chain reached it intact.
    seq: int | None = None
    transfer_id: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.transfer_id is not None and not self.problems


def verify_head(village_id: int, head_hash: str, count: int | None = None) -> HeadReport:
    """Prove that the ledger still holds the prefix of the chain that ends at ``head_hash``.

    The chain is recomputed from genesis; it passes only when every transfer up to and
    including the one whose stored and recomputed hash is ``head_hash`` is intact (link, seq,
    hash, recorded balances, rule arithmetic). ``count``, the number of transfers printed
    beside the hash, must then equal that transfer's seq. Transfers after the head are not
    judged: later months may have been added since.
    """
    head_hash = head_hash.strip().lower()
    report = HeadReport(village_id=village_id, head_hash=head_hash)
    if not HEAD_HASH_PATTERN.match(head_hash):
        report.problems.append("a head hash is 64 hexadecimal characters")
        return report
    with _consistent_reads() as execute:
        _verify_head(execute, report, count)
    return report


def _verify_head(execute: Callable, report: HeadReport, count: int | None) -> None:
    target = report.head_hash
    state = _Replay({}, {}, 0, GENESIS_HASH)
    broken_at: tuple[Any, tuple[str, ...]] | None = None
    replay = _replay(execute, report.village_id, state)
    try:
        for row, problems in replay:
            report.transfers_checked += 1
            if broken_at is None and problems:
                broken_at = (row, problems)
            if row[_HASH] != target:
                continue
            if broken_at is None:
                report.seq, report.transfer_id = row[_COLUMN["seq"]], row[_ID]
                if count is not None and count != report.seq:
                    report.problems.append(
                        f"the transfer with this hash is number {report.seq} of the chain, "
                        f"not {count}"
                    )
                return
            bad, reasons = broken_at
            if bad is row:
                report.problems.append(
                    f"transfer {bad[_ID]} (number {bad[_COLUMN['seq']]}) carries this hash "
                    "but no longer holds what it hashed"
                )
            else:
                report.problems.append(
                    f"the chain is broken at transfer {bad[_ID]} (number {bad[_COLUMN['seq']]}) "
                    f"before it reaches the transfer with this hash "
                    f"(number {row[_COLUMN['seq']]})"
                )
            report.problems.extend(reasons)
            return
    finally:
        replay.close()
    report.problems.append(
        f"no transfer of village {report.village_id} carries this hash: the ledger does not "
        "contain the chain it ended"
    )
    if broken_at is not None:
        bad, reasons = broken_at
        report.problems.append(f"the chain is broken at transfer {bad[_ID]}")
        report.problems.extend(reasons)
