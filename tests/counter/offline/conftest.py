"""Offline sales: the counter of ``tests/counter/conftest.py`` and helpers to sell offline."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from pointsmart.counter.models import PendingOfflineSale, Product, Redemption, StockMove
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from tests.conftest import count_rows


def last_month_moment() -> dt.datetime:
    """A moment in the month before this one (Shanghai), 10 days before this month began.
    Counted from Shanghai's day of the month: the machine's (UTC) day is the day before from
    16:00 to 24:00 UTC, and on the last day of a UTC month it reached two months back."""
    now = utcnow()
    return now - dt.timedelta(days=now.astimezone(ZoneInfo("Asia/Shanghai")).day + 10)


def offline(counter, *lines, made_at: dt.datetime | None = None, **extra) -> dict:
    """A POST /redemptions body for a sale made offline (``made_at`` default: an hour ago)."""
    moment = made_at or utcnow() - dt.timedelta(hours=1)
    return counter.sale(*lines, made_at=moment.isoformat(), **extra)


def balance(counter, household=None) -> int:
    household = household or counter.household
    return ledger.account_balance(counter.village.id, f"household:{household.id}")


def shop_balance(counter) -> int:
    return ledger.account_balance(counter.village.id, f"shop:{counter.shop.id}")


def stock(product: Product) -> int:
    return db.session.execute(sa.select(Product.stock).where(Product.id == product.id)).scalar_one()


def counts() -> tuple[int, ...]:
    """Rows of everything a sale or a pending sale writes."""
    return tuple(count_rows(m) for m in (Transfer, Redemption, StockMove, PendingOfflineSale))


@pytest.fixture
def sell_offline(api, counter):
    """POST an offline sale as the shop's keeper; returns the response's JSON."""

    def sell(*lines, expect=201, key=True, **extra):
        return api.post(
            "/redemptions",
            json=offline(counter, *lines, **extra),
            as_=counter.keeper,
            key=key,
            expect=expect,
        )

    return sell
