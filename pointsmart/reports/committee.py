"""Figures for the village committee: the month against the goods in stock, points per leader
and how concentrated each leader's awards are, and the last twelve months.

All of it reads the monthly totals and the award transfers of the period; none of it scans
the whole ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..accounts.models import User
from ..awards.models import Approval
from ..board.summary import village_summary
from ..counter.models import Product, Settlement, Shop
from ..extensions import db
from ..households.models import Household
from ..ledger.models import AWARD, EXPIRE, SETTLE, MonthlyTotal, Transfer
from ..periods import checked_period, current_period, previous_periods
from ..villages.service import find_village

CENT = Decimal("0.01")
MONTHS = 12


def to_yuan(points: int, rate: Decimal) -> Decimal:
    return (Decimal(points) * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def share(part: int, whole: int) -> Decimal:
    """``part`` of ``whole`` in percent, to one decimal; 0 when there is no whole."""
    if whole <= 0:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def resolve_period(actor: Principal, village_id: int, period: str | None) -> str:
    """The month asked for (default: this month), once the caller is known to be an admin of
    the village (or of the township or county above it, who read its reports)."""
    village = find_village(village_id)
    actor.require_reader(village_id)
    return checked_period(period or current_period(village.timezone))


def monthly_summary(actor: Principal, village_id: int, period: str | None = None) -> dict:
    """The month's issued, deducted, redeemed and settled points; the points households hold
    at its end and their worth in yuan; and the goods in stock now, at their points price and
    in yuan, against it.

    ``stock_cover_yuan`` is the goods' worth minus the outstanding points' worth: below zero,
    the shops could not serve every household that came to spend its points today.
    """
    period = resolve_period(actor, village_id, period)
    summary = village_summary(actor, village_id, period)
    rate = summary["yuan_per_point"]
    goods_points = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Product.stock * Product.points_price), 0))
        .join(Shop, Shop.id == Product.shop_id)
        .where(Shop.village_id == village_id, Shop.active.is_(True), Product.active.is_(True))
    ).scalar_one()
    goods_points = int(goods_points)
    goods_yuan = to_yuan(goods_points, rate)
    # What was paid, at the rate of each settlement's day (the village may have changed it).
    settled_yuan = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Settlement.yuan), 0))
        .join(Shop, Shop.id == Settlement.shop_id)
        .where(Shop.village_id == village_id, Settlement.period == period)
    ).scalar_one()
    return {
        **summary,
        "issued_yuan": to_yuan(summary["issued"], rate),
        "redeemed_yuan": to_yuan(summary["redeemed"], rate),
        "settled_yuan": Decimal(settled_yuan).quantize(CENT),
        "stock_points": goods_points,
        "stock_yuan": goods_yuan,
        "stock_cover_yuan": goods_yuan - summary["outstanding_yuan"],
    }


@dataclass
class LeaderShare:
    user_id: int | None
    name: str
    households: int
    awards: int
    points: int
    top_number: str
    top_points: int
    top_share: Decimal  # percent of the leader's points that went to one household
    top3_share: Decimal  # percent that went to the leader's three biggest households


def leader_shares(
    actor: Principal, village_id: int, period: str | None = None, *, months: int = 1
) -> list[LeaderShare]:
    """Award points per leader over ``months`` months ending with ``period``.

    An award counts for the leader who proposed it (an approved award is posted in the
    approver's name, the approval keeps the proposer) and not at all once reversed; reversals
    themselves are left out. Leaders are ordered by points, most first. A high top-household
    or top-3 share with few households is what favouritism looks like.
    """
    period = resolve_period(actor, village_id, period)
    first = previous_periods(period, months)[0]
    reversal = sa.orm.aliased(Transfer)
    awarder = sa.func.coalesce(Approval.proposed_by_id, Transfer.posted_by_id).label("awarder")
    rows = db.session.execute(
        sa.select(
            awarder,
            Transfer.household_id,
            Household.number,
            sa.func.count().label("awards"),
            sa.func.sum(Transfer.amount).label("points"),
        )
        .join(Household, Household.id == Transfer.household_id)
        .outerjoin(Approval, Approval.transfer_id == Transfer.id)
        .where(
            Transfer.village_id == village_id,
            Transfer.kind == AWARD,
            Transfer.period >= first,
            Transfer.period <= period,
            Transfer.reverses_id.is_(None),
            ~sa.exists().where(reversal.reverses_id == Transfer.id),
        )
        .group_by(awarder, Transfer.household_id, Household.number)
    ).all()
    per_leader: dict[int | None, list] = {}
    for row in rows:
        per_leader.setdefault(row.awarder, []).append(row)
    names = dict(
        db.session.execute(
            sa.select(
                User.id, sa.func.coalesce(sa.func.nullif(User.display_name, ""), User.username)
            ).where(User.id.in_([uid for uid in per_leader if uid is not None]))
        ).all()
    )
    result = []
    for user_id, households in per_leader.items():
        households.sort(key=lambda r: (-int(r.points), r.number))
        total = sum(int(r.points) for r in households)
        top3 = sum(int(r.points) for r in households[:3])
        result.append(
            LeaderShare(
                user_id=user_id,
                name=names.get(user_id, "") if user_id is not None else str(_l("System")),
                households=len(households),
                awards=sum(int(r.awards) for r in households),
                points=total,
                top_number=households[0].number,
                top_points=int(households[0].points),
                top_share=share(int(households[0].points), total),
                top3_share=share(top3, total),
            )
        )
    result.sort(key=lambda s: (-s.points, s.name))
    return result


def month_series(actor: Principal, village_id: int, period: str | None = None) -> list[dict]:
    """The twelve months ending with ``period``, oldest first: issued, deducted, redeemed and
    settled in each month, and the points households held at each month's end (less what a
    year-end clearing took, which no monthly total counts)."""
    period = resolve_period(actor, village_id, period)
    periods = previous_periods(period, MONTHS)
    first = periods[0]
    net = MonthlyTotal.earned - MonthlyTotal.deducted - MonthlyTotal.redeemed
    before = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(net), 0)).where(
            MonthlyTotal.village_id == village_id, MonthlyTotal.period < first
        )
    ).scalar_one()
    monthly = {
        row.period: row
        for row in db.session.execute(
            sa.select(
                MonthlyTotal.period,
                sa.func.sum(MonthlyTotal.earned).label("issued"),
                sa.func.sum(MonthlyTotal.deducted).label("deducted"),
                sa.func.sum(MonthlyTotal.redeemed).label("redeemed"),
            )
            .where(
                MonthlyTotal.village_id == village_id,
                MonthlyTotal.period >= first,
                MonthlyTotal.period <= period,
            )
            .group_by(MonthlyTotal.period)
        ).all()
    }
    # Settlements by month, and year-end clearings (no monthly total counts them), every one
    # up to the period: one query.
    sign = sa.case((Transfer.reverses_id.is_(None), 1), else_=-1)
    by_kind: dict[str, dict[str, int]] = {SETTLE: {}, EXPIRE: {}}
    for kind, month, points in db.session.execute(
        sa.select(Transfer.kind, Transfer.period, sa.func.sum(sign * Transfer.amount))
        .where(
            Transfer.village_id == village_id,
            Transfer.kind.in_((SETTLE, EXPIRE)),
            Transfer.period <= period,
        )
        .group_by(Transfer.kind, Transfer.period)
    ):
        by_kind[kind][month] = int(points)
    settled, expired = by_kind[SETTLE], by_kind[EXPIRE]
    outstanding = int(before) - sum(p for month, p in expired.items() if month < first)
    series: list[dict[str, Any]] = []
    for month in periods:
        row = monthly.get(month)
        issued, deducted, redeemed = (
            (int(row.issued), int(row.deducted), int(row.redeemed)) if row else (0, 0, 0)
        )
        outstanding += issued - deducted - redeemed - expired.get(month, 0)
        series.append(
            {
                "period": month,
                "issued": issued,
                "deducted": deducted,
                "redeemed": redeemed,
                "settled": settled.get(month, 0),
                "outstanding": outstanding,
            }
        )
    return series
