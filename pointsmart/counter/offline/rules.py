"""The rules of an offline sale: the month it counts in, and the village's offline limit."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...accounts.auth import Principal
from ...audit import service as audit
from ...errors import ValidationFailed
from ...extensions import db
from ...ledger import service as ledger
from ...periods import current_period, day_bounds, local_day, period_of, previous_period
from ...villages.models import Village
from ...villages.service import administered_village
from ..errors import OfflineLimitExceeded, OfflineSalesOff
from ..models import PendingOfflineSale, Redemption, Settlement, Shop

MAX_OFFLINE_LIMIT = 1_000_000


def month_closed(shop: Shop, village: Village, period: str) -> bool:
    """Whether nothing more may count in ``period``: the shop's month is settled, or the
    village printed the month's 公示 sheet after the month ended."""
    if village.sheet_printed_through is not None and period <= village.sheet_printed_through:
        return True
    return (
        db.session.execute(
            sa.select(Settlement.id).where(
                Settlement.shop_id == shop.id, Settlement.period == period
            )
        ).first()
        is not None
    )


def believable_time(village: Village, made_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """When an offline sale counts as made: the phone's time, unless no counter can have sold
    then: later than now (a clock ahead of ours), or before last month began (a phone whose
    clock reset to 2000 after its battery ran out; a sale backdated to pass the daily offline
    limit on days long gone, or into a month nobody will settle). Such a sale counts as made
    when it reaches us, in this month and against today's limit. Last month stays open to
    sales made then, as it is to leaders' points."""
    earliest_month = previous_period(current_period(village.timezone, now))
    if made_at > now or period_of(made_at, village.timezone) < earliest_month:
        return now
    return made_at


def posting_period(shop: Shop, village: Village, made_at: dt.datetime) -> str:
    """The month an offline sale made at ``made_at`` counts in: that month, or the current
    month when that month is closed (:func:`month_closed`).

    For a month that has ended, the village's row and then the shop's are locked shared first
    (``FOR SHARE``; sales do not wait for each other), and the village's printed month is
    read again under its lock: printing the month's sheet locks the village's row before it
    reads the month (``reports.sheet.sheet_to_print``), and settling the shop's month locks
    the shop's row before it reads the month (``counter.settlement``), so either runs one
    after the other with such a sale. Without them, on PostgreSQL, a sale of the month
    synced while the month was being settled (or its sheet printed) was counted in the
    month after the settlement (or the sheet) had read it: the settled month's sales were
    no longer what was paid for them, nor the printed month what the sheet showed."""
    now = current_period(village.timezone)
    made = period_of(made_at, village.timezone)
    if made >= now:
        return now
    db.session.refresh(village, ["sheet_printed_through"], with_for_update={"read": True})
    db.session.execute(
        sa.select(Shop.id).where(Shop.id == shop.id).with_for_update(read=True)
    ).one()
    if month_closed(shop, village, made):
        return now
    return made


def offline_spent(household_id: int, start: dt.datetime, end: dt.datetime) -> int:
    """Points the household spent offline between ``start`` and ``end`` (made times): its
    offline sales that posted (not voided) and those waiting for the committee."""
    posted = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Redemption.total_points), 0)).where(
            Redemption.household_id == household_id,
            Redemption.made_at >= start,
            Redemption.made_at < end,
            Redemption.voided_at.is_(None),
        )
    ).scalar_one()
    waiting = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(PendingOfflineSale.total_points), 0)).where(
            PendingOfflineSale.household_id == household_id,
            PendingOfflineSale.made_at >= start,
            PendingOfflineSale.made_at < end,
        )
    ).scalar_one()
    return int(posted) + int(waiting)


def check_offline_limit(village: Village, household_id: int, made_at: dt.datetime, total: int):
    """Refuse an offline sale past the village's offline limit for the household's day.

    Locks the household's account first (as the sale's own posting would), so two offline
    sales of one household arriving at once are counted one after the other.
    """
    if village.offline_limit <= 0:
        raise OfflineSalesOff()
    ledger.lock_household_account(village.id, household_id)
    start, end = day_bounds(local_day(made_at, village.timezone), village.timezone)
    spent = offline_spent(household_id, start, end)
    if spent + total > village.offline_limit:
        raise OfflineLimitExceeded(limit=village.offline_limit, spent_offline=spent, needed=total)


def set_offline_limit(actor: Principal, village_id: int, offline_limit: int) -> Village:
    """Set the points a household may spend per day at a counter without network (admin of
    the village); 0 turns offline sales off. Audited."""
    village = administered_village(actor, village_id)
    if isinstance(offline_limit, bool) or not 0 <= offline_limit <= MAX_OFFLINE_LIMIT:
        raise ValidationFailed(errors={"offline_limit": [str(_l("0 to 1,000,000 points."))]})
    changes = audit.diff({"offline_limit": village.offline_limit}, {"offline_limit": offline_limit})
    village.offline_limit = offline_limit
    db.session.flush()
    audit.record_village_update(actor_id=actor.user_id, village_id=village_id, changes=changes)
    return village
