"""Checking the ledger, and rebuilding its caches from the transfers.

``verify_village`` replays a village's transfers in chain order and checks, for each one,
that it follows the previous link (``seq`` and ``prev_hash``), that its hash matches its
content, that the balances it recorded match the running balances, and, for an entry by rule,
that its points are its quantity x the points of the rule version it names, rounded half up
(a rule of its own village, whose sign matches the kind). Then it compares the
cached account balances, monthly totals and chain head with what the transfers say. It reads
the transfers as a stream of plain rows, so memory stays flat however long the ledger is.

``rebuild_village`` recomputes the caches from the transfers. It never touches a transfer,
so a broken chain stays broken and the following verify still names it.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from .hashing import CORE_FIELDS, OPTIONAL_FIELDS, transfer_hash
from .models import AWARD, GENESIS_HASH, Account, ChainHead, MonthlyTotal, Transfer
from .service import MONTHLY_COLUMN, lock_village_chain

STREAM_BATCH = 5_000
MAX_PROBLEMS = 50


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
    from ..villages.models import Village

    return list(db.session.execute(sa.select(Village.id).order_by(Village.id)).scalars())


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
        yield db.session.execute
        return
    with bind.connect() as connection:
        snapshot = connection.execution_options(isolation_level="REPEATABLE READ")
        with snapshot.begin():
            yield snapshot.execute


def verify_village(village_id: int) -> VerifyReport:
    """Recompute the village's chain and caches; the report names the first bad transfer."""
    with _consistent_reads() as execute:
        return _verify(execute, village_id)


def _verify(execute: Callable, village_id: int) -> VerifyReport:
    report = VerifyReport(village_id=village_id)
    replay = _replay_transfers(execute, village_id, report)
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
    return report


def _replay_transfers(execute: Callable, village_id: int, report: VerifyReport) -> _Replay:
    columns = [getattr(Transfer, name) for name in CORE_FIELDS + OPTIONAL_FIELDS]
    statement = (
        sa.select(Transfer.id, Transfer.prev_hash, Transfer.hash, *columns)
        .where(Transfer.village_id == village_id)
        .order_by(Transfer.seq)
        .execution_options(yield_per=STREAM_BATCH)
    )
    balances: dict[int, int] = defaultdict(int)
    monthly: dict[tuple[int, str], dict[str, int]] = {}
    last_seq, last_hash = 0, GENESIS_HASH
    versions = _rule_versions(execute, village_id)
    for row in execute(statement):
        fields = row._mapping
        report.transfers_checked += 1
        if row.rule_version_id is not None:
            _check_rule_arithmetic(row, versions, report)
        if row.seq != last_seq + 1:
            report.add(f"transfer {row.id} has seq {row.seq}, expected {last_seq + 1}", row.id)
        if row.prev_hash != last_hash:
            report.add(f"transfer {row.id} does not follow the previous link", row.id)
        if transfer_hash(fields, row.prev_hash) != row.hash:
            report.add(f"transfer {row.id} does not match its hash", row.id)
        balances[row.debit_account_id] -= row.amount
        balances[row.credit_account_id] += row.amount
        if balances[row.debit_account_id] != row.debit_balance_after:
            report.add(f"transfer {row.id} records a wrong debit balance", row.id)
        if balances[row.credit_account_id] != row.credit_balance_after:
            report.add(f"transfer {row.id} records a wrong credit balance", row.id)
        if row.household_id is not None and row.kind in MONTHLY_COLUMN:
            totals = monthly.setdefault(
                (row.household_id, row.period), {"earned": 0, "deducted": 0, "redeemed": 0}
            )
            delta = -row.amount if row.reverses_id is not None else row.amount
            totals[MONTHLY_COLUMN[row.kind]] += delta
        last_seq, last_hash = row.seq, row.hash
    return _Replay(dict(balances), monthly, last_seq, last_hash)


def _rule_versions(execute: Callable, village_id: int) -> dict[int, int]:
    """Rule version id -> signed points per unit, for the village's rules (a small table)."""
    from ..awards.models import Rule, RuleVersion

    return dict(
        execute(
            sa.select(RuleVersion.id, RuleVersion.points)
            .join(Rule, Rule.id == RuleVersion.rule_id)
            .where(Rule.village_id == village_id)
        ).all()
    )


def _check_rule_arithmetic(row, versions: dict[int, int], report: VerifyReport) -> None:
    from ..awards.rules import points_for

    points = versions.get(row.rule_version_id)
    if points is None:
        report.add(f"transfer {row.id} names a rule version of another village", row.id)
        return
    if (row.kind == AWARD) != (points > 0):
        report.add(f"transfer {row.id} is a {row.kind} by a rule of the other sign", row.id)
    if row.quantity is not None and points_for(row.quantity, abs(points)) != row.amount:
        report.add(
            f"transfer {row.id} moves {row.amount} points; its rule version says "
            f"{points_for(row.quantity, abs(points))} for {row.quantity}",
            row.id,
        )


def rebuild_village(village_id: int) -> VerifyReport:
    """Recompute cached balances, monthly totals and the chain head from the transfers.

    Returns the verify report taken afterwards: a chain that does not hold together is
    reported, never papered over. It holds the village's chain lock throughout, so no post
    can land between the replay and the rewrite of the caches.
    """
    lock_village_chain(village_id)
    replay = _replay_transfers(db.session.execute, village_id, VerifyReport(village_id=village_id))
    accounts = Account.__table__
    account_ids = db.session.execute(
        sa.select(Account.id).where(Account.village_id == village_id)
    ).scalars()
    for account_id in account_ids:
        db.session.execute(
            accounts.update()
            .where(accounts.c.id == account_id)
            .values(balance=replay.balances.get(account_id, 0))
        )
    db.session.execute(sa.delete(MonthlyTotal).where(MonthlyTotal.village_id == village_id))
    if replay.monthly:
        db.session.execute(
            sa.insert(MonthlyTotal),
            [
                {"household_id": household_id, "period": period, "village_id": village_id, **sums}
                for (household_id, period), sums in replay.monthly.items()
            ],
        )
    heads = ChainHead.__table__
    db.session.execute(
        heads.update()
        .where(heads.c.village_id == village_id)
        .values(last_seq=replay.last_seq, last_hash=replay.last_hash)
    )
    db.session.flush()
    return _verify(db.session.execute, village_id)
