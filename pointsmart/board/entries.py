"""The red and black list (红黑榜): entries, their days on the public board, objections (异议).

* An entry is an award (red) or deduction (black) by a rule of that category, with the reason
  in words and optionally a photo; it posts at once (a red entry above the approval threshold
  waits for approval like any award, and the entry is made when it is approved).
* An entry is on the public board from the day it is made for the village's
  ``black_board_days`` (black) or ``red_board_days`` (red), unless its transfer was reversed.
* While an entry is on the board, any household of the village may object to it, once
  (filed through the household's own login, or by an admin for it). An admin upholds the
  objection (the entry's transfer is reversed, with the admin's reason) or dismisses it (with a
  reason); both are kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..awards.approvals import queue, waits_for_approval
from ..awards.errors import WrongRuleKind
from ..awards.limits import check_cap, check_quota
from ..awards.models import PENDING, Approval
from ..awards.photos import store_photo
from ..awards.planning import (
    Plan,
    active_household,
    check_posting_period,
    plan_by_rule,
    post_plan,
    rule_of_village,
)
from ..awards.service import Outcome
from ..database import utcnow
from ..extensions import db
from ..households.models import Household
from ..ledger import queries as ledger_queries
from ..ledger import service as ledger
from ..ledger.models import AWARD, Transfer
from ..lookups import get_or_refuse
from ..periods import checked_period, local_today
from ..rules.models import BLACK, RED, Rule
from ..text import reason_text
from ..villages.service import find_village
from .models import BoardEntry, Objection


def create_entry(
    actor: Principal,
    *,
    household_id: int,
    rule_id: int,
    reason: str,
    quantity: Any = 1,
    photo: bytes | None = None,
    period: str | None = None,
    village_id: int | None = None,
) -> Outcome:
    """Make a red or black list entry and post its points (leader or admin of the village).

    ``village_id``, when given, must be the household's village. A leader enters it for the
    months a leader may enter points (``awards.planning.check_posting_period``).

    The outcome's ``extra["entry"]`` is the entry; a red entry above the approval threshold
    comes back as an approval that waits instead.
    """
    if village_id is not None:
        actor.require_awarder(village_id)
    household = active_household(household_id, of_village=village_id)
    actor.require_awarder(household.village_id)
    rule = rule_of_village(rule_id, household.village_id)
    if rule.category not in (RED, BLACK):
        raise WrongRuleKind(_l("Choose a red list or black list rule."))
    reason = reason_text(reason)
    ledger.lock_household_account(household.village_id, household.id)
    village = find_village(household.village_id)
    plan = plan_by_rule(
        rule, household_id, quantity, timezone=village.timezone, period=period, memo=reason
    )
    check_posting_period(actor, village, plan.period)
    check_cap(plan)
    waits = waits_for_approval(actor, plan, village)
    if not waits and plan.kind == AWARD:
        check_quota(actor, village, {plan.period: plan.points})
    # Stored last, once nothing else can refuse the entry (a refusal leaves no file behind).
    photo_name = store_photo(photo) if photo else None
    if waits:
        approval = queue(actor, plan, board_reason=reason, board_photo=photo_name)
        return Outcome(approval=approval)
    transfer = post_plan(plan, actor.user_id)
    entry = record_entry(
        plan, transfer, reason=reason, photo=photo_name, created_by_id=actor.user_id
    )
    return Outcome(transfer=transfer, extra={"entry": entry})


def record_entry(
    plan: Plan, transfer: Transfer, *, reason: str, photo: str | None, created_by_id: int | None
) -> BoardEntry:
    """The entry for a posted red or black transfer, on the board from today."""
    village = find_village(plan.village_id)
    kind = plan.rule.category
    days = village.black_board_days if kind == BLACK else village.red_board_days
    today = local_today(village.timezone)
    entry = BoardEntry(
        village_id=plan.village_id,
        household_id=plan.household_id,
        rule_id=plan.rule.id,
        kind=kind,
        reason=reason,
        photo=photo,
        period=plan.period,
        board_until=today + dt.timedelta(days=days - 1),
        transfer_id=transfer.id,
        created_by_id=created_by_id,
        created_at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        actor_id=created_by_id,
        village_id=plan.village_id,
        action="board_entry.create",
        target_type="board_entry",
        target_id=entry.id,
        changes={
            "kind": kind,
            "household_id": plan.household_id,
            "rule_id": plan.rule.id,
            "transfer_id": transfer.id,
            "reason": reason,
            "photo": photo is not None,
        },
    )
    return entry


def record_approved_entry(approval: Approval, *, plan: Plan, transfer: Transfer) -> None:
    """An approved award that was proposed as a red list entry goes on the board now (heard
    from ``approvals.award_approved``), as made by its proposer."""
    if approval.board_reason is None:
        return
    record_entry(
        plan,
        transfer,
        reason=approval.board_reason,
        photo=approval.board_photo,
        created_by_id=approval.proposed_by_id,
    )


# --- reading ---------------------------------------------------------------------------------


def reversed_transfer_ids(transfer_ids: list[int]) -> set[int]:
    return set(ledger_queries.reversals_of(transfer_ids))


def entries_view(entries: list[BoardEntry], today: dt.date) -> list[dict[str, Any]]:
    """Entries as the API and pages show them, with household, rule, points and status."""
    if not entries:
        return []
    households = {
        row.id: row
        for row in db.session.execute(
            sa.select(Household.id, Household.number, Household.head_name).where(
                Household.id.in_({e.household_id for e in entries})
            )
        )
    }
    rule_rows = {
        row.id: row
        for row in db.session.execute(
            sa.select(Rule.id, Rule.code, Rule.name).where(
                Rule.id.in_({e.rule_id for e in entries})
            )
        )
    }
    amounts = dict(
        db.session.execute(
            sa.select(Transfer.id, Transfer.amount).where(
                Transfer.id.in_([e.transfer_id for e in entries])
            )
        ).all()
    )
    reversed_ids = reversed_transfer_ids([e.transfer_id for e in entries])
    pending = dict(
        db.session.execute(
            sa.select(Objection.entry_id, sa.func.count())
            .where(Objection.entry_id.in_([e.id for e in entries]), Objection.status == PENDING)
            .group_by(Objection.entry_id)
        ).all()
    )
    views = []
    for entry in entries:
        household = households[entry.household_id]
        rule = rule_rows[entry.rule_id]
        is_reversed = entry.transfer_id in reversed_ids
        on_board = entry.board_until >= today and not is_reversed
        views.append(
            {
                "id": entry.id,
                "village_id": entry.village_id,
                "kind": entry.kind,
                "household_id": entry.household_id,
                "number": household.number,
                "head_name": household.head_name,
                "rule": {"id": rule.id, "code": rule.code, "name": rule.name},
                "points": amounts[entry.transfer_id] * (1 if entry.kind == RED else -1),
                "reason": entry.reason,
                "has_photo": entry.photo is not None,
                "period": entry.period,
                "board_until": entry.board_until,
                "on_board": on_board,
                "reversed": is_reversed,
                "pending_objections": pending.get(entry.id, 0),
                "transfer_id": entry.transfer_id,
                "created_by_id": entry.created_by_id,
                "created_at": entry.created_at,
            }
        )
    return views


def public_board(village_id: int, period: str | None = None) -> dict[str, Any]:
    """The red and black entries on the public board now, of one month if ``period`` is given.

    For anyone: no names of staff. Reversed entries and entries past their days are left out.
    """
    village = find_village(village_id)
    if period is not None:
        checked_period(period)
    today = local_today(village.timezone)
    statement = (
        sa.select(BoardEntry)
        .where(BoardEntry.village_id == village_id, BoardEntry.board_until >= today)
        .order_by(BoardEntry.id.desc())
    )
    if period is not None:
        statement = statement.where(BoardEntry.period == period)
    views = [
        view
        for view in entries_view(list(db.session.execute(statement).scalars()), today)
        if view["on_board"]
    ]
    for view in views:
        view.pop("created_by_id")
    return {
        "village_id": village_id,
        "period": period,
        "red": [v for v in views if v["kind"] == RED],
        "black": [v for v in views if v["kind"] == BLACK],
    }


def list_entries(
    actor: Principal, village_id: int, *, limit: int = 50, after: int | None = None
) -> list[dict[str, Any]]:
    """Every entry of the village, newest first, for its staff (reversed and past ones too)."""
    village = find_village(village_id)
    actor.require_staff(village_id)
    statement = (
        sa.select(BoardEntry)
        .where(BoardEntry.village_id == village_id)
        .order_by(BoardEntry.id.desc())
        .limit(limit + 1)
    )
    if after is not None:
        statement = statement.where(BoardEntry.id < after)
    entries = list(db.session.execute(statement).scalars())
    return entries_view(entries, local_today(village.timezone))


def find_entry(entry_id: int) -> BoardEntry:
    return get_or_refuse(BoardEntry, entry_id, _l("No such entry."))


def photo_visible(entry_id: int, viewer: Principal | None) -> str | None:
    """The entry's photo file name if ``viewer`` may see it: anyone while the entry is on the
    board, staff of the village always; None otherwise."""
    entry = db.session.get(BoardEntry, entry_id)
    if entry is None or entry.photo is None:
        return None
    if viewer is not None and viewer.is_staff_of(entry.village_id):
        return entry.photo
    village = find_village(entry.village_id)
    if entry.board_until < local_today(village.timezone):
        return None
    if reversed_transfer_ids([entry.transfer_id]):
        return None
    return entry.photo
