"""Villages and their grids (网格/村民小组)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

# Every village's time zone unless its admin chose another (the villages are in China).
USUAL_TIMEZONE = "Asia/Shanghai"


class Village(db.Model):
    __tablename__ = "villages"
    __table_args__ = (
        sa.CheckConstraint("yuan_per_point >= 0", name="yuan_per_point_not_negative"),
        sa.CheckConstraint("approval_threshold > 0", name="approval_threshold_positive"),
        sa.CheckConstraint(
            "leader_monthly_quota IS NULL OR leader_monthly_quota > 0",
            name="leader_monthly_quota_positive",
        ),
        sa.CheckConstraint("black_board_days BETWEEN 1 AND 366", name="black_board_days_range"),
        sa.CheckConstraint("red_board_days BETWEEN 1 AND 366", name="red_board_days_range"),
        sa.CheckConstraint("pin_required_above >= 0", name="pin_required_above_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default=USUAL_TIMEZONE)
    # What the committee pays a shop for one redeemed point, in yuan.
    yuan_per_point: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), default=Decimal("0.10"))
    # An award above this many points waits for an admin's approval.
    approval_threshold: Mapped[int] = mapped_column(default=50)
    # Most points one leader may award in a month (the period awards count for); None: no limit.
    leader_monthly_quota: Mapped[int | None] = mapped_column()
    # How many days a black (criticism) or red (commendation) entry stays on the public board.
    black_board_days: Mapped[int] = mapped_column(default=30, server_default="30")
    red_board_days: Mapped[int] = mapped_column(default=30, server_default="30")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A sale of more than this many points needs the household's PIN; None: never.
    pin_required_above: Mapped[int | None] = mapped_column()
    # Public pages (board, leaderboard, TV) show 张*明 instead of the head's full name.
    mask_names: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # 年底清零: the year's positive balances move to the expired account at the year's end.
    year_end_clearing: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The number households call with questions (printed on statement slips); None: not set.
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    # The township the village belongs to (``pointsmart.regions``); None: in no township.
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    # Points a household may spend per day at a counter that has lost its network; 0: no
    # offline sales. (Checked in the service: SQLite cannot add a CHECK to this table.)
    offline_limit: Mapped[int] = mapped_column(default=50, server_default="50")
    # The latest month whose 公示 sheet was printed after the month ended (YYYY-MM); None:
    # none yet. An offline sale made in such a month counts in the month it reaches us.
    sheet_printed_through: Mapped[str | None] = mapped_column(sa.String(7))


class Grid(db.Model):
    __tablename__ = "grids"
    __table_args__ = (sa.UniqueConstraint("village_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
