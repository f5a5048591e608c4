"""The worker that empties the outbox: ``flask notify run``.

Why a worker of our own on the outbox table rather than a task queue (RQ, Dramatiq): the
message must be written in the transfer's transaction, and a Redis queue cannot take part in
a database transaction, so a queue would still need this outbox and a relay from it; the
outbox table already is a durable queue with per-row locks (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, SQLite's single writer), and the deployment runs it as one more systemd service.

Each round:

1. **Claim** (one short transaction): due messages (``pending``, ``unknown``, and ``sending``
   whose lease ran out, i.e. a worker died mid-send) are marked ``sending`` with a lease. A
   pending message over its village's monthly cap becomes ``capped`` and is never sent; the
   cap counts the messages given to the provider in the village's month (on PostgreSQL under
   an advisory lock per village, so two workers cannot both take the last one). A message
   whose household stopped its consent (or gave another number) since it was queued is
   ``failed`` and not sent (after a lookup, when the provider may have it already). While
   a village is in its quiet hours (``settings``), its due messages are neither sent nor
   looked up: they fall due again when the quiet hours end.
2. **Send** each claimed message outside any transaction. A message that may already be with
   the provider (``unknown`` or an expired lease) is first looked up by its key (the
   provider's ``OutId``); found, it is recorded as sent and not sent again. Right before it
   asks the provider, the worker renews its lease; a message whose lease ran out while the
   worker was busy with the ones before it, and which another worker took over, is left to
   that worker (and only the lease's holder records an outcome).
3. **Record** each outcome in its own transaction: ``sent`` with the provider's id;
   ``throttled`` and ``refused`` (certainly not sent) go back to ``pending``; ``ambiguous``
   (no answer) becomes ``unknown``; both wait an exponential backoff with jitter
   (``SMS_RETRY_BASE_SECONDS`` x 2^(attempts-1), at most ``SMS_RETRY_MAX_SECONDS``), and a
   message is ``failed`` after ``SMS_MAX_ATTEMPTS`` sends or a permanent refusal. A lookup
   that gets no answer counts as a try too: a message the provider never answers for, sent
   or looked up, is ``failed`` after twice ``SMS_MAX_ATTEMPTS`` tries (it may have reached
   the phone; it is never sent again).

So a crash anywhere loses no message (it is in the outbox from the transfer's commit on) and
sends none twice (a resend follows only a lookup that did not find it).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..database import utcnow
from ..extensions import db
from ..periods import current_period
from ..villages.models import Village
from .models import CAPPED, FAILED, PENDING, SENDING, SENT, UNKNOWN, OutboxMessage, SmsConsent
from .service import monthly_cap, sent_in_month
from .settings import quiet_hours, setting

_table = OutboxMessage.__table__


@dataclass
class Claimed:
    id: int
    key: str
    phone: str
    kind: str
    params: dict[str, str]
    attempts: int
    may_be_sent: bool  # unknown, or a lease that ran out: look it up before sending
    since: dt.datetime
    withdrawn: bool = False  # consent stopped (or another number) since it was queued
    lease_until: dt.datetime | None = None  # this worker's claim, while no other took it


@dataclass
class RoundReport:
    claimed: int = 0
    sent: int = 0
    found: int = 0
    retried: int = 0
    failed: int = 0
    capped: int = 0
    deferred: int = 0  # quiet hours in their village: they wait for the morning
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # (key, outcome)


def backoff(attempts: int, config: Any) -> dt.timedelta:
    """The wait before the next try after ``attempts`` sends: exponential, with jitter."""
    base = setting(config, "SMS_RETRY_BASE_SECONDS")
    ceiling = setting(config, "SMS_RETRY_MAX_SECONDS")
    seconds = min(ceiling, base * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=seconds * (0.5 + random.random() / 2))  # noqa: S311


def claim(config: Any, limit: int = 20) -> tuple[list[Claimed], int, int]:
    """Claim up to ``limit`` due messages; returns them, how many were capped and how many
    wait for the end of their village's quiet hours."""
    now = utcnow()
    session = db.session
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status.in_((PENDING, UNKNOWN, SENDING)),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if postgres:
        statement = statement.with_for_update(skip_locked=True)
    messages = list(session.execute(statement).scalars())
    # Only a consent in force, on the number the message was queued for, gets a message.
    active = {
        (household_id, phone)
        for household_id, phone in session.execute(
            sa.select(SmsConsent.household_id, SmsConsent.phone).where(
                SmsConsent.household_id.in_({m.household_id for m in messages}),
                SmsConsent.stopped_at.is_(None),
            )
        )
    }
    quiet = quiet_hours(config)
    periods: dict[int, str] = {}
    room: dict[int, int] = {}
    quiet_until: dict[int, dt.datetime] = {}
    for village_id in sorted({m.village_id for m in messages}):
        timezone = session.execute(
            sa.select(Village.timezone).where(Village.id == village_id)
        ).scalar_one()
        if quiet is not None and (until := quiet.until(now, timezone)) is not None:
            quiet_until[village_id] = until
            continue
        if postgres:  # one claimer at a time counts a village's month
            session.execute(
                sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("sms-cap"), village_id))
            )
        periods[village_id] = period = current_period(timezone, now)
        room[village_id] = monthly_cap(village_id) - sent_in_month(village_id, period)
    claimed, capped, deferred = [], 0, 0
    lease = dt.timedelta(seconds=setting(config, "SMS_LEASE_SECONDS"))
    for message in messages:
        if message.village_id in quiet_until:  # neither sent nor looked up before morning
            message.next_attempt_at = quiet_until[message.village_id]
            deferred += 1
            continue
        may_be_sent = message.status != PENDING
        withdrawn = (message.household_id, message.phone) not in active
        if not may_be_sent and not withdrawn:  # a new send counts against the month
            if room[message.village_id] <= 0:
                message.status, message.last_error = CAPPED, "monthly cap reached"
                capped += 1
                continue
            room[message.village_id] -= 1
            message.sent_period = periods[message.village_id]
        message.status = SENDING
        message.next_attempt_at = now + lease
        claimed.append(
            Claimed(
                id=message.id,
                key=message.message_key,
                phone=message.phone,
                kind=message.kind,
                params=json.loads(message.params),
                attempts=message.attempts,
                may_be_sent=may_be_sent,
                since=message.last_attempt_at or message.created_at,
                withdrawn=withdrawn,
                lease_until=message.next_attempt_at,
            )
        )
    session.commit()
    return claimed, capped, deferred


def _mine(message: Claimed):
    """The message is still claimed by this worker: its lease was not taken over."""
    return sa.and_(
        _table.c.id == message.id,
        _table.c.status == SENDING,
        _table.c.next_attempt_at == message.lease_until,
    )


def _renew(message: Claimed, config: Any) -> bool:
    """Extend this worker's lease right before it asks the provider; False when the lease ran
    out meanwhile and another worker took the message over (it sends or finds it)."""
    lease_until = utcnow() + dt.timedelta(seconds=setting(config, "SMS_LEASE_SECONDS"))
    renewed = db.session.execute(
        _table.update().where(_mine(message)).values(next_attempt_at=lease_until)
    ).rowcount
    db.session.commit()
    if renewed:
        message.lease_until = lease_until
    return bool(renewed)


def _record(message: Claimed, **values: Any) -> None:
    db.session.execute(_table.update().where(_mine(message)).values(**values))
    db.session.commit()


def deliver(provider, message: Claimed, config: Any, report: RoundReport) -> None:
    """Look up (when it may be sent already) or send one claimed message, and record it."""
    if not _renew(message, config):
        report.outcomes.append((message.key, "taken over"))
        return
    now = utcnow()
    if message.may_be_sent:
        found = provider.find(phone=message.phone, key=message.key, since=message.since)
        if found.kind == "sent":
            values = {"status": SENT, "sent_at": now, "last_error": None}
            if found.receipt:
                values.update(status=found.receipt, receipt_code="found", receipt_at=now)
            _record(message, **values)
            report.found += 1
            report.outcomes.append((message.key, "found"))
            return
        if found.kind == "ambiguous":
            tries = message.attempts + 1
            gave_up = tries >= setting(config, "SMS_MAX_ATTEMPTS") * 2
            _record(
                message,
                status=FAILED if gave_up else UNKNOWN,
                last_error=found.error,
                attempts=tries,
                last_attempt_at=now,
                next_attempt_at=now + backoff(tries, config),
            )
            if gave_up:
                report.failed += 1
            else:
                report.retried += 1
            report.outcomes.append((message.key, "lookup failed"))
            return
    if message.withdrawn:  # not with the provider: never sent now
        _record(message, status=FAILED, last_error="consent stopped before it was sent")
        report.failed += 1
        report.outcomes.append((message.key, "consent stopped"))
        return
    attempts = message.attempts + 1
    outcome = provider.send(
        phone=message.phone, kind=message.kind, params=message.params, key=message.key
    )
    report.outcomes.append((message.key, outcome.kind))
    common = {"attempts": attempts, "last_attempt_at": now}
    if outcome.kind == "sent":
        _record(
            message,
            status=SENT,
            provider_id=outcome.provider_id,
            sent_at=now,
            last_error=None,
            **common,
        )
        report.sent += 1
        return
    given_up = outcome.permanent or attempts >= setting(config, "SMS_MAX_ATTEMPTS")
    if outcome.kind in ("throttled", "refused") and given_up:
        _record(message, status=FAILED, last_error=outcome.error, **common)
        report.failed += 1
        return
    status = UNKNOWN if outcome.kind == "ambiguous" else PENDING
    if outcome.kind == "ambiguous" and attempts >= setting(config, "SMS_MAX_ATTEMPTS") * 2:
        status = FAILED  # it never answered: stop asking (the lookups stay in the record)
    _record(
        message,
        status=status,
        last_error=outcome.error,
        next_attempt_at=now + backoff(attempts, config),
        **common,
    )
    report.retried += 1


def run_round(provider, config: Any, limit: int = 20) -> RoundReport:
    """Claim due messages and deliver each; the report says what happened."""
    report = RoundReport()
    claimed, report.capped, report.deferred = claim(config, limit)
    report.claimed = len(claimed)
    for message in claimed:
        deliver(provider, message, config, report)
    return report


def next_due(now: dt.datetime | None = None) -> dt.datetime | None:
    """When the next message falls due (None: the outbox has nothing to do)."""
    due = db.session.execute(
        sa.select(sa.func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status.in_((PENDING, UNKNOWN, SENDING))
        )
    ).scalar_one_or_none()
    db.session.rollback()
    return due


def run(provider, config: Any, *, once: bool = False, idle_seconds: float = 5.0, log=print):
    """Work until stopped (or, with ``once``, until nothing is due now)."""
    while True:
        report = run_round(provider, config)
        if report.claimed or report.capped or report.deferred:
            log(
                f"claimed {report.claimed}: sent {report.sent}, found sent {report.found}, "
                f"retrying {report.retried}, failed {report.failed}; capped {report.capped}; "
                f"waiting for the end of quiet hours {report.deferred}"
            )
            continue
        if once:
            return
        due = next_due()
        wait = idle_seconds
        if due is not None:
            wait = min(idle_seconds, max((due - utcnow()).total_seconds(), 0.05))
        time.sleep(wait)
