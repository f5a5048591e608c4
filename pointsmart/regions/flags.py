"""Flags that point to where to look, per village of a dashboard, each with a link to the
evidence on the village's own pages (which county and township staff may read).

* ``awards_concentrated``: the top three households got more than the county's level
  (``top3_share_limit``, percent) of the period's points earned, with more than three
  households earning. Evidence: the village's leaderboard of the month (the committee
  report for a year). The share is of what the earning households earned: a reversal of an
  earlier month's award, posted in this one, takes nothing from it.
* ``one_leader``: one leader posted more than half of the points the village's leaders
  awarded, with more than one leader awarding or more than ten awards. Evidence: the
  committee report (points per leader).
* ``split_awards``: a leader's awards to one household on one day passed the approval
  threshold only together (``rollups``). Evidence: the month's transfers (xlsx).
* ``reversals_high``: more than the county's ``reversal_rate_limit`` percent of the
  period's awards and deductions (at least ten of them) were reversed. Evidence: the
  month's transfers (xlsx).
* ``no_awards``: a month in which the village issued no points: no household earned in it
  (a reversal posted in it of an earlier month's award is no award of the month); not a month
  before the village was made, nor one still to come. Evidence: the committee report.
* ``shops_unpaid``: a shop the village owes has waited more than two months (its oldest
  unpaid sale, ``dashboard._owed``). Evidence: the committee report (what is unsettled).

Everything comes from ``monthly_totals``, the regions' own rollups and the dashboard's
figures; only the months owed read the transfers (a shop's oldest unpaid one, by index).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..extensions import db
from ..ledger.models import MonthlyTotal
from ..villages.models import Village
from .models import Region
from .rollups import LeaderMonth, VillageMonth

TOP = 3
MIN_POSTINGS = 10
UNPAID_MONTHS = 2


def add_flags(rows: dict, months: list[str], period: str, county: Region) -> None:
    """Append each village's flags to its row (``dashboard.VillageRow``)."""
    if not rows:
        return
    ids = list(rows)
    one_month = len(months) == 1
    _concentration(rows, ids, months, period, county.top3_share_limit)
    _leaders(rows, ids, months, period)
    _postings(rows, ids, months, period, county.reversal_rate_limit)
    for row in rows.values():
        if one_month and row.earners == 0 and row.opened <= period <= row.this_month:
            row.flags.append(
                _flag("no_awards", _l("No points were issued this month."), row, period)
            )
        if row.owed_months > UNPAID_MONTHS:
            detail = _l("Shops were not paid in full for %(n)s months.", n=row.owed_months)
            row.flags.append(_flag("shops_unpaid", detail, row, period))


def _flag(code: str, detail, row, period: str, *, evidence: str = "report") -> dict:
    month = period if len(period) == 7 else None
    if evidence == "leaderboard" and month:
        url = url_for("public_board.leaderboard", village_id=row.village_id, period=month)
    elif evidence == "transfers":
        url = url_for(
            "reports.export_download",
            village_id=row.village_id,
            name="transfers",
            fmt="xlsx",
            period=month,
        )
    else:
        url = url_for("reports.committee_report", village_id=row.village_id, period=month)
    return {"code": code, "detail": str(detail), "url": url}


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _concentration(rows, ids, months, period, limit: int) -> None:
    if len(months) == 1:
        _concentration_of_month(rows, ids, months[0], period, limit)
        return
    earned = sa.func.sum(MonthlyTotal.earned).label("earned")
    per_household = (
        sa.select(
            MonthlyTotal.village_id,
            earned,
            sa.func.row_number()
            .over(partition_by=MonthlyTotal.village_id, order_by=earned.desc())
            .label("place"),
        )
        .where(
            MonthlyTotal.village_id.in_(ids),
            MonthlyTotal.period >= months[0],
            MonthlyTotal.period <= months[-1],
            MonthlyTotal.earned > 0,
        )
        .group_by(MonthlyTotal.village_id, MonthlyTotal.household_id)
        .subquery()
    )
    statement = sa.select(
        per_household.c.village_id,
        sa.func.sum(sa.case((per_household.c.place <= TOP, per_household.c.earned), else_=0)),
        sa.func.sum(per_household.c.earned),
        sa.func.count(),
    ).group_by(per_household.c.village_id)
    for village_id, top, total, households in db.session.execute(statement):
        _flag_concentration(
            rows[village_id], int(top or 0), int(total or 0), households, period, limit
        )


def _concentration_of_month(rows, ids, month, period, limit: int) -> None:
    """A month: each village's three largest ``earned`` read from the index on (village,
    month, earned), three probes a village; the total and the earners are the row's own."""
    village = Village.__table__

    def place(offset: int):
        return (
            sa.select(MonthlyTotal.earned)
            .where(
                MonthlyTotal.village_id == village.c.id,
                MonthlyTotal.period == month,
                MonthlyTotal.earned > 0,
            )
            .order_by(MonthlyTotal.earned.desc())
            .limit(1)
            .offset(offset)
            .scalar_subquery()
        )

    statement = sa.select(village.c.id, place(0), place(1), place(2)).where(village.c.id.in_(ids))
    for village_id, *top in db.session.execute(statement):
        row = rows[village_id]
        points = sum(int(value or 0) for value in top)
        _flag_concentration(row, points, row.earners_points, row.earners, period, limit)


def _flag_concentration(row, top: int, total: int, households: int, period, limit) -> None:
    if households > TOP and total > 0 and top * 100 > limit * total:
        detail = _l(
            "The top three households got %(share)s%% of the points earned.",
            share=_percent(top, total),
        )
        row.flags.append(_flag("awards_concentrated", detail, row, period, evidence="leaderboard"))


def _leaders(rows, ids, months, period) -> None:
    statement = (
        sa.select(
            LeaderMonth.village_id,
            LeaderMonth.user_id,
            sa.func.sum(LeaderMonth.points),
            sa.func.sum(LeaderMonth.awards),
        )
        .where(
            LeaderMonth.village_id.in_(ids),
            LeaderMonth.period >= months[0],
            LeaderMonth.period <= months[-1],
        )
        .group_by(LeaderMonth.village_id, LeaderMonth.user_id)
    )
    per_village: dict[int, list] = defaultdict(list)
    for village_id, user_id, points, awards in db.session.execute(statement):
        per_village[village_id].append((int(points or 0), int(awards or 0), user_id))
    leaders = {}
    for village_id, shares in per_village.items():
        total = sum(points for points, _, _ in shares)
        awards = sum(count for _, count, _ in shares)
        points, _, user_id = max(shares)
        if total > 0 and points * 2 > total and (len(shares) > 1 or awards > MIN_POSTINGS):
            leaders[village_id] = (user_id, _percent(points, total))
    if not leaders:
        return
    names = dict(
        db.session.execute(
            sa.select(
                User.id, sa.func.coalesce(sa.func.nullif(User.display_name, ""), User.username)
            ).where(User.id.in_([user_id for user_id, _ in leaders.values()]))
        ).all()
    )
    for village_id, (user_id, share) in leaders.items():
        detail = _l(
            "%(name)s awarded %(share)s%% of the points leaders gave.",
            name=names.get(user_id, ""),
            share=share,
        )
        row = rows[village_id]
        row.flags.append(_flag("one_leader", detail, row, period))


def _postings(rows, ids, months, period, limit: int) -> None:
    statement = (
        sa.select(
            VillageMonth.village_id,
            sa.func.sum(VillageMonth.awards),
            sa.func.sum(VillageMonth.deductions),
            sa.func.sum(VillageMonth.reversals),
            sa.func.sum(VillageMonth.split_awards),
        )
        .where(
            VillageMonth.village_id.in_(ids),
            VillageMonth.period >= months[0],
            VillageMonth.period <= months[-1],
        )
        .group_by(VillageMonth.village_id)
    )
    for village_id, awards, deductions, reversals, splits in db.session.execute(statement):
        row = rows[village_id]
        postings, reversals, splits = (
            int(awards or 0) + int(deductions or 0),
            int(reversals or 0),
            int(splits or 0),
        )
        if splits:
            detail = _l(
                "%(n)s times a leader's awards to one household in one day passed the "
                "approval threshold only together.",
                n=splits,
            )
            row.flags.append(_flag("split_awards", detail, row, period, evidence="transfers"))
        if postings >= MIN_POSTINGS and reversals * 100 > limit * postings:
            detail = _l(
                "%(share)s%% of the awards and deductions were reversed.",
                share=_percent(reversals, postings),
            )
            row.flags.append(_flag("reversals_high", detail, row, period, evidence="transfers"))
