"""Rollups the dashboard's flags read instead of the ledger, written in the posting
transaction through the ledger's listener hook (``ledger.listeners``), never by the ledger.

* ``village_months``: per village and period, the points issued and deducted (as the
  households' monthly totals sum them: the dashboard's twelve months read these 12 rows a
  village instead of every household's), the awards and deductions posted (reversals
  not counted), the reversals of either, and the split awards: times one leader's awards to
  one household on one day passed the village's approval threshold with the second or a
  later award (each such day counts once).
* ``leader_months``: per village, period and leader, the awards the leader posted and their
  points (reversals not subtracted: a leader who gives and takes back still gave).
* ``award_days``: per leader, household and day, the awards and their points, which tell a
  split award as it is written.

A redemption, a void, a settlement or a clearing writes nothing here, so the counter's sale
keeps its statements. ``flask regions rebuild`` recomputes both tables from the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..ledger import service as ledger
from ..ledger.models import AWARD, DEDUCT, Transfer
from ..periods import local_day
from ..villages.models import Village


class VillageMonth(db.Model):
    __tablename__ = "village_months"

    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    awards: Mapped[int] = mapped_column(default=0, server_default="0")
    deductions: Mapped[int] = mapped_column(default=0, server_default="0")
    reversals: Mapped[int] = mapped_column(default=0, server_default="0")
    split_awards: Mapped[int] = mapped_column(default=0, server_default="0")
    # Points, reversals netted in the period they are posted in (as monthly_totals does): the
    # village's sums of monthly_totals.earned and .deducted for the period.
    points_issued: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    points_deducted: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


class AwardDay(db.Model):
    """One leader's awards to one household on one day (the village's day): what tells a
    split award when it is written, without reading the ledger."""

    __tablename__ = "award_days"

    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), primary_key=True)
    awards: Mapped[int] = mapped_column(default=0, server_default="0")
    points: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


class LeaderMonth(db.Model):
    __tablename__ = "leader_months"

    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    awards: Mapped[int] = mapped_column(default=0, server_default="0")
    points: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


def _upsert(table: sa.Table, keys: dict, adds: dict, returning=()):
    """Add ``adds`` to the row of ``keys`` (made when missing), in one statement."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(**keys, **adds)
        .on_conflict_do_update(
            index_elements=[table.c[name] for name in keys],
            set_={name: table.c[name] + value for name, value in adds.items()},
        )
    )
    if returning:
        return db.session.execute(statement.returning(*returning)).one()
    db.session.execute(statement)
    return None


def on_transfer(household_id: int, kind: str):
    """The ledger's listener (two steps, see ``ledger.listeners``): nothing for a sale or
    anything but an award or a deduction; for those, ``count`` once the transfer is written."""
    if kind not in (AWARD, DEDUCT):
        return None
    return count


def count(transfer: Transfer) -> None:
    """Count an award, a deduction or a reversal of either in the rollups."""
    keys = {"village_id": transfer.village_id, "period": transfer.period}
    column = "points_issued" if transfer.kind == AWARD else "points_deducted"
    if transfer.reverses_id is not None:
        _upsert(VillageMonth.__table__, keys, {"reversals": 1, column: -transfer.amount})
        return
    if transfer.kind == DEDUCT:
        _upsert(VillageMonth.__table__, keys, {"deductions": 1, column: transfer.amount})
        return
    split = 0
    if transfer.posted_by_id is not None:
        split = _passes_threshold_today(transfer)
        _upsert(
            LeaderMonth.__table__,
            {**keys, "user_id": transfer.posted_by_id},
            {"awards": 1, "points": transfer.amount},
        )
    _upsert(
        VillageMonth.__table__,
        keys,
        {"awards": 1, "split_awards": split, "points_issued": transfer.amount},
    )


def _passes_threshold_today(transfer: Transfer) -> int:
    """1 when this award takes the day's awards of its leader to its household past the
    village's approval threshold, as the second or a later award; 0 otherwise. One upsert
    into ``award_days`` that returns the day's count and points (the village is already in
    the session: the award was checked against it)."""
    village = db.session.get(Village, transfer.village_id)
    day = local_day(transfer.created_at, village.timezone)
    table = AwardDay.__table__
    awards, points = _upsert(
        table,
        {
            "village_id": transfer.village_id,
            "day": day,
            "user_id": transfer.posted_by_id,
            "household_id": transfer.household_id,
        },
        {"awards": 1, "points": transfer.amount},
        returning=(table.c.awards, table.c.points),
    )
    threshold = village.approval_threshold
    return int(awards >= 2 and points > threshold >= points - transfer.amount)


def rebuild_village(village_id: int) -> int:
    """Recompute a village's rollups from its transfers; returns how many months it has.

    Reads the ledger (a repair, never a page): awards and deductions by period, reversals,
    each leader's awards, and the split awards day by day in the village's time zone. It
    holds the village's chain head throughout, as ``ledger rebuild`` does: a posting counts
    itself here after it has taken the head, so none is counted between the deletion and
    the rows written again (on PostgreSQL one could land in a period's row the rebuild then
    wrote again, failing the rebuild on the row's unique key).
    """
    ledger.lock_village_chain(village_id)
    village = db.session.get(Village, village_id)
    zone = ZoneInfo(village.timezone)
    db.session.execute(sa.delete(VillageMonth).where(VillageMonth.village_id == village_id))
    db.session.execute(sa.delete(LeaderMonth).where(LeaderMonth.village_id == village_id))
    db.session.execute(sa.delete(AwardDay).where(AwardDay.village_id == village_id))
    months: dict[str, dict[str, int]] = {}
    leaders: dict[tuple[str, int], list[int]] = {}
    days: dict[tuple[int, int, dt.date], list[int]] = {}  # -> [awards, points]
    rows = db.session.execute(
        sa.select(
            Transfer.kind,
            Transfer.period,
            Transfer.amount,
            Transfer.reverses_id,
            Transfer.posted_by_id,
            Transfer.household_id,
            Transfer.created_at,
        )
        .where(Transfer.village_id == village_id, Transfer.kind.in_((AWARD, DEDUCT)))
        .order_by(Transfer.id)
        .execution_options(yield_per=10_000)
    )
    for kind, period, amount, reverses_id, user_id, household_id, created_at in rows:
        month = months.setdefault(
            period,
            {
                "awards": 0,
                "deductions": 0,
                "reversals": 0,
                "split_awards": 0,
                "points_issued": 0,
                "points_deducted": 0,
            },
        )
        column = "points_issued" if kind == AWARD else "points_deducted"
        if reverses_id is not None:
            month["reversals"] += 1
            month[column] -= amount
        elif kind == DEDUCT:
            month["deductions"] += 1
            month[column] += amount
        else:
            month["awards"] += 1
            month[column] += amount
            if user_id is not None:
                leader = leaders.setdefault((period, user_id), [0, 0])
                leader[0] += 1
                leader[1] += amount
                day = days.setdefault(
                    (user_id, household_id, created_at.astimezone(zone).date()), [0, 0]
                )
                before = day[1]
                day[0], day[1] = day[0] + 1, day[1] + amount
                if day[0] >= 2 and day[1] > village.approval_threshold >= before:
                    month["split_awards"] += 1
    if months:
        db.session.execute(
            sa.insert(VillageMonth),
            [{"village_id": village_id, "period": p, **m} for p, m in months.items()],
        )
    if leaders:
        db.session.execute(
            sa.insert(LeaderMonth),
            [
                {"village_id": village_id, "period": p, "user_id": u, "awards": a, "points": s}
                for (p, u), (a, s) in leaders.items()
            ],
        )
    if days:
        db.session.execute(
            sa.insert(AwardDay),
            [
                {
                    "village_id": village_id,
                    "user_id": u,
                    "household_id": h,
                    "day": d,
                    "awards": a,
                    "points": p,
                }
                for (u, h, d), (a, p) in days.items()
            ],
        )
    return len(months)


def rollup_problems(execute: Callable, village_id: int) -> list[str]:
    """``ledger verify``'s check of the rollups against the transfers (registered by
    ``regions.setup``), summed by the database. Split awards and award days are left out:
    they count against the approval threshold of their day, which the village may have
    changed since."""
    columns = ("awards", "deductions", "reversals", "points_issued", "points_deducted")
    expected: dict[str, dict[str, int]] = {}
    reversal = Transfer.reverses_id.is_not(None)
    for period, kind, reversed_, count, points in execute(
        sa.select(
            Transfer.period, Transfer.kind, reversal, sa.func.count(), sa.func.sum(Transfer.amount)
        )
        .where(Transfer.village_id == village_id, Transfer.kind.in_((AWARD, DEDUCT)))
        .group_by(Transfer.period, Transfer.kind, reversal)
    ):
        month = expected.setdefault(period, dict.fromkeys(columns, 0))
        points = int(points)  # PostgreSQL sums a BIGINT column as NUMERIC
        column = "points_issued" if kind == AWARD else "points_deducted"
        if reversed_:
            month["reversals"] += count
            month[column] -= points
        else:
            month["awards" if kind == AWARD else "deductions"] += count
            month[column] += points
    kept = {
        row.period: {name: getattr(row, name) for name in columns}
        for row in execute(
            sa.select(VillageMonth.period, *(VillageMonth.__table__.c[n] for n in columns)).where(
                VillageMonth.village_id == village_id
            )
        )
    }
    problems = []
    for period in sorted(set(kept) | set(expected)):
        should = expected.get(period, dict.fromkeys(columns, 0))
        actual = kept.get(period, dict.fromkeys(columns, 0))
        if actual != should:
            problems.append(
                f"the village's rollup of {period} is {actual}, transfers say {should} "
                "(flask regions rebuild recomputes it)"
            )
    leaders = {
        (period, user_id): (count, int(points))
        for period, user_id, count, points in execute(
            sa.select(
                Transfer.period,
                Transfer.posted_by_id,
                sa.func.count(),
                sa.func.sum(Transfer.amount),
            )
            .where(
                Transfer.village_id == village_id,
                Transfer.kind == AWARD,
                Transfer.reverses_id.is_(None),
                Transfer.posted_by_id.is_not(None),
            )
            .group_by(Transfer.period, Transfer.posted_by_id)
        )
    }
    kept_leaders = {
        (row.period, row.user_id): (row.awards, row.points)
        for row in execute(
            sa.select(
                LeaderMonth.period, LeaderMonth.user_id, LeaderMonth.awards, LeaderMonth.points
            ).where(LeaderMonth.village_id == village_id)
        )
    }
    for key in sorted(set(kept_leaders) | set(leaders)):
        should, actual = leaders.get(key, (0, 0)), kept_leaders.get(key, (0, 0))
        if actual != should:
            problems.append(
                f"leader {key[1]}'s rollup of {key[0]} is {actual[0]} awards, {actual[1]} points; "
                f"transfers say {should[0]} awards, {should[1]} points "
                "(flask regions rebuild recomputes it)"
            )
    return problems
