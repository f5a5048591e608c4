"""What the reports keep: when each ended month's 公示 sheet was last printed, and how far the
village's chain reached then."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..extensions import db


class SheetPrint(db.Model):
    """The last printing of a month's sheet. A transfer of that month further along the chain
    (``seq`` above ``last_seq``: an admin's correction, an approval) came after: the notice on
    the board no longer says what the ledger does."""

    __tablename__ = "sheet_prints"

    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    printed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)
