"""The monthly 公示 sheet: what the notice board shows for one month of a village.

* The leaderboard of the month (``board.leaderboard``): the top ``LEADERBOARD_RANKS`` ranks
  with points above zero (every household is in the table of month totals anyway).
* The red and black list entries of the month (entries whose transfer was reversed after an
  upheld objection are left out), with household number, head name, rule and points only.
* Every household's month: earned, deducted and redeemed (the monthly totals), the month's
  score (earned - deducted, what the leaderboard ranks by) and the balance at the month's
  close, read from the last transfer of the household posted before the month ended.
* The ledger at the month's close: the last transfer of the village's chain created before
  the end of the month (village time zone), its chain position (= how many transfers the
  village had) and its hash. ``flask ledger verify --village ID --head HASH`` shows that the
  ledger still holds exactly that chain, so a printed sheet can be checked years later.

Head names are masked (张*明) when the village says so (``villages.mask_names``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..accounts.auth import Principal
from ..board.leaderboard import leaderboard
from ..board.models import BoardEntry
from ..board.names import mask_name
from ..database import utcnow
from ..extensions import db
from ..households.models import Household
from ..ledger import service as ledger
from ..ledger.models import GENESIS_HASH, Account, ChainHead, MonthlyTotal, Transfer
from ..periods import checked_period, current_period
from ..rules.models import BLACK, RED, Rule
from ..villages.models import Village
from ..villages.service import find_village
from .models import SheetPrint

LEADERBOARD_RANKS = 20


@dataclass(frozen=True)
class LedgerClose:
    """The village's chain as it stood at the end of a month."""

    transfer_count: int  # chain position of the last transfer: the transfers up to then
    head_hash: str  # its hash; the all-zero genesis hash when there was none
    month_over: bool  # False: the month is still running and this is the chain now


@dataclass
class Sheet:
    village_id: int
    village_name: str
    period: str
    masked: bool
    ledger: LedgerClose
    leaderboard: list[dict] = field(default_factory=list)
    red: list[dict] = field(default_factory=list)
    black: list[dict] = field(default_factory=list)
    households: list[dict] = field(default_factory=list)


def month_bounds(period: str, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the month and of the next month, in UTC."""
    year, month = int(period[:4]), int(period[5:])
    zone = ZoneInfo(timezone)
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def ledger_close(village_id: int, period: str, timezone: str) -> LedgerClose:
    """The last transfer of the village created before the month's end: position and hash."""
    _, end = month_bounds(period, timezone)
    seq = chain_position_at(village_id, end)
    over = utcnow() >= end
    if seq == 0:
        return LedgerClose(0, GENESIS_HASH, over)
    head_hash = db.session.execute(
        sa.select(Transfer.hash).where(Transfer.village_id == village_id, Transfer.seq == seq)
    ).scalar_one()
    return LedgerClose(seq, head_hash, over)


def chain_position_at(village_id: int, moment: dt.datetime) -> int:
    """The chain position (seq) of the village's last transfer created before ``moment``;
    0 when there was none.

    Each transfer is stamped after its post has taken the village's chain lock, so the
    stamps rise with seq and the position is found by bisecting seq on the unique
    (village_id, seq) index: about 24 one-row reads for ten million transfers, where
    filtering on the stamp would walk back over every transfer made since.
    """
    created_at = (
        sa.select(Transfer.created_at)
        .where(Transfer.village_id == village_id, Transfer.seq == sa.bindparam("seq"))
        .scalar_subquery()
    )
    read = sa.select(created_at)
    low = 0  # a position known to be before the moment (0: before the first transfer)
    high = (
        db.session.execute(
            sa.select(ChainHead.last_seq).where(ChainHead.village_id == village_id)
        ).scalar_one_or_none()
        or 0
    )
    while low < high:
        middle = (low + high + 1) // 2
        if db.session.execute(read, {"seq": middle}).scalar_one() < moment:
            low = middle
        else:
            high = middle - 1
    return low


def monthly_sheet(actor: Principal, village_id: int, period: str | None = None) -> Sheet:
    """Everything the 公示 sheet prints for a month (default: this month). Admins only (and
    the county and township above the village, who read it)."""
    village = find_village(village_id)
    actor.require_reader(village_id)
    period = checked_period(period or current_period(village.timezone))
    masked = bool(village.mask_names)
    sheet = Sheet(
        village_id=village_id,
        village_name=village.name,
        period=period,
        masked=masked,
        ledger=ledger_close(village_id, period, village.timezone),
    )
    board = leaderboard(village_id, period=period, limit=500)
    sheet.leaderboard = [
        {
            "rank": item["rank"],
            "number": item["number"],
            "name": mask_name(item["head_name"]) if masked else item["head_name"],
            "grid": item["grid"]["name"] if item["grid"] else "",
            "points": item["points"],
        }
        for item in board["items"]
        if item["rank"] <= LEADERBOARD_RANKS and item["points"] > 0
    ]
    for entry in _board_entries(village_id, period):
        target = sheet.red if entry.kind == RED else sheet.black if entry.kind == BLACK else None
        if target is not None:
            target.append(
                {
                    "number": entry.number,
                    "name": mask_name(entry.head_name) if masked else entry.head_name,
                    "rule": entry.rule_name,
                    "points": entry.amount if entry.kind == RED else -entry.amount,
                }
            )
    closing_position = sheet.ledger.transfer_count if sheet.ledger.month_over else None
    sheet.households = _household_months(village, period, closing_position, masked)
    return sheet


def _board_entries(village_id: int, period: str) -> list:
    reversal = sa.orm.aliased(Transfer)
    return db.session.execute(
        sa.select(
            BoardEntry.kind,
            Household.number,
            Household.head_name,
            Rule.name.label("rule_name"),
            Transfer.amount,
        )
        .join(Household, Household.id == BoardEntry.household_id)
        .join(Rule, Rule.id == BoardEntry.rule_id)
        .join(Transfer, Transfer.id == BoardEntry.transfer_id)
        .where(
            BoardEntry.village_id == village_id,
            BoardEntry.period == period,
            ~sa.exists().where(reversal.reverses_id == BoardEntry.transfer_id),
        )
        .order_by(BoardEntry.created_at, BoardEntry.id)
    ).all()


def _household_months(
    village: Village, period: str, closing_position: int | None, masked: bool
) -> list:
    """Each household's month (those with totals, and every household of the village at the
    month's close); balances at ``closing_position`` of the chain when the month is over
    (None: the month is running, balances are today's)."""
    _, end = month_bounds(period, village.timezone)
    totals = (
        sa.select(MonthlyTotal)
        .where(MonthlyTotal.village_id == village.id, MonthlyTotal.period == period)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Household.id,
            Household.number,
            Household.head_name,
            Account.balance,
            sa.func.coalesce(totals.c.earned, 0).label("earned"),
            sa.func.coalesce(totals.c.deducted, 0).label("deducted"),
            sa.func.coalesce(totals.c.redeemed, 0).label("redeemed"),
        )
        .outerjoin(totals, totals.c.household_id == Household.id)
        .join(Account, Account.household_id == Household.id)
        .where(
            Household.village_id == village.id,
            sa.or_(
                totals.c.household_id.is_not(None),
                # In the village at the month's close: one that moved away only later still
                # held its points then.
                sa.and_(
                    Household.created_at < end,
                    sa.or_(Household.status == "active", Account.closed_at >= end),
                ),
            ),
        )
        .order_by(Household.number, Household.id)
    ).all()
    closing = (
        None if closing_position is None else balances_at_position(village.id, closing_position)
    )
    result = []
    for row in rows:
        balance = row.balance if closing is None else closing.get(row.id, 0)
        result.append(
            {
                "number": row.number,
                "name": mask_name(row.head_name) if masked else row.head_name,
                "earned": int(row.earned),
                "deducted": int(row.deducted),
                "redeemed": int(row.redeemed),
                "net": int(row.earned) - int(row.deducted),
                "balance": int(balance),
            }
        )
    return result


def balances_at_position(village_id: int, position: int) -> dict[int, int]:
    """Each household's balance after its last transfer up to the chain's ``position``: one
    seek of the (household_id, seq) index a household, not a scan of the village's transfers.
    (Not by id: a sale's transfer takes its id before its seq, see ``ledger.chain``.)
    """
    if position == 0:
        return {}
    last_id = (
        sa.select(Transfer.id)
        .where(Transfer.household_id == Household.id, Transfer.seq <= position)
        .order_by(Transfer.seq.desc())
        .limit(1)
        .correlate(Household)
        .scalar_subquery()
    )
    last = (
        sa.select(Household.id.label("household_id"), last_id.label("transfer_id"))
        .where(Household.village_id == village_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Transfer.household_id,
            Transfer.kind,
            Transfer.reverses_id,
            Transfer.debit_balance_after,
            Transfer.credit_balance_after,
        ).join(last, Transfer.id == last.c.transfer_id)
    ).all()
    return {row.household_id: ledger.household_balance_after(row) for row in rows}


def sheet_to_print(actor: Principal, village_id: int, period: str | None = None) -> Sheet:
    """The sheet as it is printed: :func:`monthly_sheet`, and for a month that has ended,
    with the village's row locked (``FOR NO KEY UPDATE``, which a posting's foreign-key check
    on the village does not wait for) before the month is read, and the month marked printed
    (:func:`mark_printed`). An offline sale of an ended month locks the same row shared before
    it decides its month (``counter.offline.rules.posting_period``): it lands before the sheet
    reads the month (and is printed) or after the month is marked (and counts in the current
    month). Without the lock, on PostgreSQL, such a sale synced while the sheet was printed
    counted in the printed month, missing from the sheet. The current month's sheet is a
    draft nobody marks: it locks nothing, so it holds up no one while its PDF is made."""
    village = find_village(village_id)
    actor.require_reader(village_id)
    period = checked_period(period or current_period(village.timezone))
    # Decided once: a month that ends while its sheet is made is printed as the draft it was.
    ended = period < current_period(village.timezone)
    if ended:
        villages = Village.__table__
        db.session.execute(
            sa.select(villages.c.id)
            .where(villages.c.id == village_id)
            .with_for_update(key_share=True)
        ).one()
        # Read before the month: a transfer committed after this has a later place in the
        # chain, whether the sheet's reads see it or not, and is told as posted since.
        last_seq = chain_length(village_id)
    sheet = monthly_sheet(actor, village_id, period)
    if ended:
        mark_printed(village_id, sheet.period, last_seq=last_seq)
    return sheet


def chain_length(village_id: int) -> int:
    return (
        db.session.execute(
            sa.select(ChainHead.last_seq).where(ChainHead.village_id == village_id)
        ).scalar_one_or_none()
        or 0
    )


def mark_printed(village_id: int, period: str, *, last_seq: int | None = None) -> None:
    """Record that the sheet of ``period``, a month that has ended, was printed: the village's
    ``sheet_printed_through`` moves up to it (never down). An offline sale made in a month up
    to that one counts in the month it reaches us (``counter.offline.rules``).

    The printing is kept (``SheetPrint``) with the chain's length before the month was read
    (``last_seq``, by default now): a transfer of the month posted later (an admin's
    correction) lies beyond it (:func:`printed_state`). Printing holds the village's row, so
    two printings of a month take turns here."""
    if last_seq is None:
        last_seq = chain_length(village_id)
    printing = db.session.get(SheetPrint, (village_id, period))
    if printing is None:
        printing = SheetPrint(village_id=village_id, period=period)
        db.session.add(printing)
    printing.printed_at, printing.last_seq = utcnow(), last_seq
    db.session.flush()
    villages = Village.__table__
    db.session.execute(
        villages.update()
        .where(
            villages.c.id == village_id,
            sa.or_(
                villages.c.sheet_printed_through.is_(None),
                villages.c.sheet_printed_through < period,
            ),
        )
        .values(sheet_printed_through=period)
    )


@dataclass(frozen=True)
class PrintedState:
    """An ended month's sheet as last printed, and the month's transfers posted since."""

    printed_at: dt.datetime
    posted_since: int


def printed_state(village_id: int, period: str) -> PrintedState | None:
    """When the month's sheet was last printed (None: never, or before this was kept) and how
    many of the month's transfers the printed notice does not show."""
    printing = db.session.get(SheetPrint, (village_id, period))
    if printing is None:
        return None
    posted_since = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Transfer)
        .where(
            Transfer.village_id == village_id,
            Transfer.period == period,
            Transfer.seq > printing.last_seq,
        )
    ).scalar_one()
    return PrintedState(printing.printed_at, posted_since)
