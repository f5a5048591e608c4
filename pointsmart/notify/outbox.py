"""Writing messages into the outbox, in the caller's transaction.

``on_transfer`` is the ledger listener (``ledger.listeners``): for a household transfer of a
household with an active consent it inserts one ``change`` message keyed ``t<transfer id>``
in the posting transaction, so the message commits or rolls back with the transfer. The
consent is read before the posting takes the village's chain head; a household without
consent costs that one primary-key read and gets nothing. Settlements name no
household; year-end clearing (``expire``) sends nothing (a whole village at once would spend
the month's cap in one night; the monthly summary shows the new balance).

``queue_summaries`` writes the month's summary (``s<household>-<YYYYMM>``) for every
consenting household of a village; run again, it writes none twice. Only a month that has
ended on the village's clock is summed up (by default the last one): a summary of a running
month would tell half of it, and its key would keep the whole month's summary from being
sent once the month ends.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from ..accounts.auth import Principal
from ..database import utcnow
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..ledger.models import AWARD, DEDUCT, REDEEM, SHORTFALL, MonthlyTotal
from ..ledger.service import household_balance_after
from ..periods import checked_period, current_period, local_day, previous_period
from ..reports.sheet import balances_at_position, ledger_close
from ..rules.models import Rule, RuleVersion
from ..villages.models import Village
from . import texts
from .models import CHANGE, PENDING, SUMMARY, OutboxMessage, SmsConsent

TOLD_KINDS = (AWARD, DEDUCT, REDEEM, SHORTFALL)


def transfer_key(transfer_id: int) -> str:
    return f"t{transfer_id}"


def summary_key(household_id: int, period: str) -> str:
    return f"s{household_id}-{period.replace('-', '')}"


# Built once: the listener runs inside every posting to a household.
_ACTIVE_CONSENT = (
    sa.select(SmsConsent.phone, Household.number, Village.timezone)
    .join(Household, Household.id == SmsConsent.household_id)
    .join(Village, Village.id == Household.village_id)
    .where(
        SmsConsent.household_id == sa.bindparam("household_id"),
        SmsConsent.stopped_at.is_(None),
    )
)


def on_transfer(household_id: int, kind: str):
    """The ledger's listener: before the village's chain head is taken, find the household's
    active consent; with one, return what queues the message once the transfer is written."""
    if kind not in TOLD_KINDS:
        return None
    row = db.session.execute(_ACTIVE_CONSENT, {"household_id": household_id}).one_or_none()
    if row is None:
        return None
    return lambda transfer: _queue_change(transfer, row)


def _queue_change(transfer, row) -> None:
    """Queue the household's message about ``transfer`` (in the posting's transaction)."""
    session = db.session
    what = ""
    if transfer.kind in (AWARD, DEDUCT) and transfer.reverses_id is None:
        if transfer.rule_version_id is not None:
            what = (
                session.execute(
                    sa.select(Rule.name)
                    .join(RuleVersion, RuleVersion.rule_id == Rule.id)
                    .where(RuleVersion.id == transfer.rule_version_id)
                ).scalar_one_or_none()
                or ""
            )
        what = what or texts.category_words(transfer.category)
    day = local_day(transfer.created_at, row.timezone)
    params = texts.change_params(
        number=row.number,
        day=day,
        kind=transfer.kind,
        reversal=transfer.reverses_id is not None,
        what=what,
        points=transfer.amount,
        balance=household_balance_after(transfer),
    )
    _insert(
        [
            {
                "message_key": transfer_key(transfer.id),
                "village_id": transfer.village_id,
                "household_id": transfer.household_id,
                "transfer_id": transfer.id,
                "kind": CHANGE,
                "phone": row.phone,
                "params": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
                "text": texts.render(CHANGE, params),
            }
        ]
    )


def queue_summaries(actor: Principal, village_id: int, period: str | None = None) -> int:
    """Queue the month's summary for each consenting household of the village; returns how
    many were new. ``period`` is a month that has ended in the village's time zone (default:
    the last one); this month or a later one is refused (422 beside ``month``). Admins of
    the village (the command line is one)."""
    actor.require_admin(village_id)
    timezone = db.session.execute(
        sa.select(Village.timezone).where(Village.id == village_id)
    ).scalar_one_or_none()
    if timezone is None:
        raise NotFound(_l("No such village."))
    this_month = current_period(timezone)
    period = checked_period(period or previous_period(this_month), "month")
    if period >= this_month:
        message = str(_l("A month's summary is sent once the month has ended."))
        raise ValidationFailed(message, errors={"month": [message]})
    month = (
        sa.select(MonthlyTotal)
        .where(MonthlyTotal.village_id == village_id, MonthlyTotal.period == period)
        .subquery()
    )
    # The balance as the month closed, as its figures are: a summary sent on the 15th does
    # not mix the month's totals with half of the next month's spending.
    close = ledger_close(village_id, period, timezone)
    closing = balances_at_position(village_id, close.transfer_count)
    rows = db.session.execute(
        sa.select(
            SmsConsent.household_id,
            SmsConsent.phone,
            Household.number,
            sa.func.coalesce(month.c.earned, 0).label("earned"),
            sa.func.coalesce(month.c.deducted, 0).label("deducted"),
            sa.func.coalesce(month.c.redeemed, 0).label("redeemed"),
        )
        .join(Household, Household.id == SmsConsent.household_id)
        .outerjoin(month, month.c.household_id == Household.id)
        .where(
            SmsConsent.village_id == village_id,
            SmsConsent.stopped_at.is_(None),
            Household.status == "active",
        )
        .order_by(Household.number)
    ).all()
    messages = []
    for row in rows:
        params = texts.summary_params(
            number=row.number,
            month=int(period[5:]),
            earned=int(row.earned),
            deducted=int(row.deducted),
            redeemed=int(row.redeemed),
            balance=closing.get(row.household_id, 0),
        )
        messages.append(
            {
                "message_key": summary_key(row.household_id, period),
                "village_id": village_id,
                "household_id": row.household_id,
                "transfer_id": None,
                "kind": SUMMARY,
                "phone": row.phone,
                "params": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
                "text": texts.render(SUMMARY, params),
            }
        )
    return _insert(messages)


def _insert(messages: list[dict]) -> int:
    """Insert messages whose key is new (a key already there is left as it is)."""
    if not messages:
        return 0
    now = utcnow()
    for message in messages:
        message.update(status=PENDING, attempts=0, next_attempt_at=now, created_at=now)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = db.session.execute(
        insert(OutboxMessage.__table__)
        .on_conflict_do_nothing(index_elements=["message_key"])
        .returning(OutboxMessage.__table__.c.id),
        messages,
    )
    return len(result.all())
