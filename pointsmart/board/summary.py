"""Figures for the village committee, read from the monthly caches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ..accounts.auth import Principal
from ..extensions import db
from ..ledger.models import EXPIRE, SETTLE, WRITE_OFF, MonthlyTotal, Transfer
from ..periods import checked_period, current_period
from ..villages.service import readable_village
from .names import public_names


def village_summary(actor: Principal, village_id: int, period: str | None = None) -> dict[str, Any]:
    """Points issued, deducted, redeemed and settled in a month, and what remains afterwards.

    * ``issued``, ``deducted``, ``redeemed``: household totals of the month, reversals netted.
    * ``settled``: points the village paid shops for, for that month.
    * ``outstanding``: points households hold at the end of the month (the committee's
      promise to villagers): earned less deducted, redeemed and cleared at a year's end
      (expiry is in no monthly total), with its value in yuan at the village's rate.
    * ``unsettled``: points shops have taken in up to that month and not yet been paid for:
      the households' redemptions and the offline sales the village wrote off (which a
      settlement pays for too), less the settlements.
    """
    village = readable_village(actor, village_id)
    period = checked_period(period or current_period(village.timezone))

    # The month and everything up to it, in one read of the monthly totals.
    in_month = MonthlyTotal.period == period

    def both(column):
        return (
            sa.func.coalesce(sa.func.sum(sa.case((in_month, column), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(column), 0),
        )

    issued, earned, deducted, all_deducted, redeemed, all_redeemed = db.session.execute(
        sa.select(
            *both(MonthlyTotal.earned), *both(MonthlyTotal.deducted), *both(MonthlyTotal.redeemed)
        ).where(MonthlyTotal.village_id == village_id, MonthlyTotal.period <= period)
    ).one()
    # Settlements (the month's and up to it), clearings and write-offs up to the month, which
    # no monthly total counts: one read of the village's transfers of those kinds.
    signed = sa.case((Transfer.reverses_id.is_(None), 1), else_=-1) * Transfer.amount
    sums = {
        kind: (int(month), int(to_date))
        for kind, month, to_date in db.session.execute(
            sa.select(
                Transfer.kind,
                sa.func.sum(sa.case((Transfer.period == period, signed), else_=0)),
                sa.func.sum(signed),
            )
            .where(
                Transfer.village_id == village_id,
                Transfer.kind.in_((SETTLE, EXPIRE, WRITE_OFF)),
                Transfer.period <= period,
            )
            .group_by(Transfer.kind)
        )
    }
    settled, settled_to_date = sums.get(SETTLE, (0, 0))
    expired = sums.get(EXPIRE, (0, 0))[1]
    written_off = sums.get(WRITE_OFF, (0, 0))[1]
    outstanding = earned - all_deducted - all_redeemed - expired
    unsettled = all_redeemed + written_off - settled_to_date
    rate = Decimal(village.yuan_per_point)
    return {
        "village_id": village_id,
        "period": period,
        "issued": int(issued),
        "deducted": int(deducted),
        "redeemed": int(redeemed),
        "settled": int(settled),
        "outstanding": int(outstanding),
        "outstanding_yuan": (rate * outstanding).quantize(Decimal("0.01")),
        "unsettled": int(unsettled),
        "yuan_per_point": rate,
    }


def public_board(
    village_id: int, period: str | None = None, *, viewer: Principal | None = None
) -> dict[str, Any]:
    """The red and black board for anyone (see ``awards.board.public_board``), with each
    entry's photo address, and names as ``viewer`` may see them (``names.public_names``)."""
    from flask import url_for

    from .entries import public_board as entries_on_board

    board = entries_on_board(village_id, period)
    public_names(board["red"] + board["black"], village_id, viewer)
    for item in board["red"] + board["black"]:
        item["photo_url"] = (
            url_for("board_pages.board_photo", entry_id=item["id"]) if item["has_photo"] else None
        )
    return board
