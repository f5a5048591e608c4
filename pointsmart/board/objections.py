"""Objections (异议) to red and black board entries: a household objects to an entry about it
while the entry's notice period is open, once; an admin of the village decides, and an upheld
objection reverses the entry's points."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..awards.errors import AlreadyDecided, AlreadyObjected, NotOnBoard
from ..awards.models import PENDING
from ..awards.planning import active_household
from ..database import utcnow
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..households.models import Household
from ..ledger import service as ledger
from ..ledger.errors import AccountClosed
from ..lookups import get_or_refuse
from ..periods import local_today
from ..text import reason_text
from ..villages.service import find_village
from .entries import find_entry, reversed_transfer_ids
from .models import DISMISSED, UPHELD, BoardEntry, Objection, ObjectionRecord

UPHELD_ALREADY = _l(
    "An objection to this entry was upheld and its points were undone; "
    "there is nothing left to object to."
)
UNDONE_ALREADY = _l("This entry was undone; there is nothing left to object to.")


def closed_for_objections(entry: BoardEntry, today: dt.date) -> Any:
    """Why no household may object to ``entry`` now, in words (None: it may): its points were
    undone after an upheld objection, or otherwise undone, or its days on the board are over."""
    if reversed_transfer_ids([entry.transfer_id]):
        upheld = db.session.execute(
            sa.select(Objection.id).where(
                Objection.entry_id == entry.id, Objection.status == UPHELD
            )
        ).first()
        return UPHELD_ALREADY if upheld else UNDONE_ALREADY
    if entry.board_until < today:
        return NotOnBoard.title
    return None


def objector_of(
    actor: Principal, village_id: int, household_id: int | None, *, unseen: Exception
) -> tuple[int, int | None]:
    """Who objects, and who filed it: a household through its own login (``unseen`` when what
    it objects to is not of its village), or an admin of the village for the household it
    names (``filed_by_id``), for a board entry or a campaign's nominee alike."""
    if actor.user_id is None and actor.household_id is not None:
        if actor.household_village_id != village_id:
            raise unseen
        return actor.household_id, None
    actor.require_admin(village_id)
    if household_id is None:
        raise ValidationFailed(errors={"household_id": [str(_l("Say which household objects."))]})
    return household_id, actor.user_id


def raise_objection(
    actor: Principal, entry_id: int, *, reason: str, household_id: int | None = None
) -> Objection:
    """A household objects (异议) to an entry while it is on the board.

    Called with the household's own principal (its villager login), or by an admin of the
    village for a household (``household_id``). Once per household and entry.
    """
    entry = find_entry(entry_id)
    household_id, filed_by_id = objector_of(
        actor, entry.village_id, household_id, unseen=NotFound(_l("No such entry."))
    )
    active_household(household_id, of_village=entry.village_id)
    subject = db.session.get(Household, entry.household_id)
    if subject.status != "active":
        # Upholding it would reverse the entry into a closed account, which is refused.
        raise AccountClosed(
            _l(
                "The household of this entry has moved away: the entry can no longer be "
                "corrected here. Ask the village committee."
            )
        )
    if entry.kind == "red":
        # An award a year-end clearing took after it is not reversed (its points expired):
        # an objection to it could never be upheld.
        ledger.refuse_after_clearing(entry.household_id, entry.transfer_id)
    reason = reason_text(reason)
    village = find_village(entry.village_id)
    closed = closed_for_objections(entry, local_today(village.timezone))
    if closed is not None:
        raise NotOnBoard(closed)
    return file_objection(
        Objection.entry_id,
        entry.id,
        village_id=entry.village_id,
        household_id=household_id,
        reason=reason,
        filed_by_id=filed_by_id,
        already=AlreadyObjected(),
    )


def file_objection(
    subject: Any,
    subject_id: int,
    *,
    village_id: int,
    household_id: int,
    reason: str,
    filed_by_id: int | None,
    already: AlreadyObjected,
) -> ObjectionRecord:
    """Record an objection, pending from now, to ``subject_id`` (``subject`` is the column
    that names it: ``Objection.entry_id``, ``NominationObjection.nomination_id``); a household
    objects to it once (``already`` otherwise). The caller has checked everything else."""
    record = subject.class_
    if db.session.execute(
        sa.select(record.id).where(subject == subject_id, record.household_id == household_id)
    ).first():
        raise already
    objection = record(
        village_id=village_id,
        household_id=household_id,
        reason=reason,
        filed_by_id=filed_by_id,
        raised_at=utcnow(),
        status=PENDING,
        **{subject.key: subject_id},
    )
    db.session.add(objection)
    db.session.flush()
    return objection


def list_objections(
    actor: Principal, village_id: int, *, status: str | None = None
) -> list[Objection]:
    find_village(village_id)
    actor.require_admin(village_id)
    statement = (
        sa.select(Objection)
        .where(Objection.village_id == village_id)
        .order_by(Objection.id.desc())
        .limit(500)
    )
    if status is not None:
        statement = statement.where(Objection.status == status)
    return list(db.session.execute(statement).scalars())


def decide_objection(
    actor: Principal, objection_id: int, *, uphold: bool, reason: str
) -> Objection:
    """Uphold (reverse the entry's transfer, with the reason) or dismiss an objection; admins
    of the village, once, with a reason either way."""
    objection = get_or_refuse(Objection, objection_id, _l("No such objection."))
    if actor.household_id is not None:  # a villager's login never decides
        raise Forbidden()
    actor.require_admin(objection.village_id)
    reason = reason_text(reason)
    ledger.lock_household_account(objection.village_id, find_entry(objection.entry_id).household_id)
    db.session.refresh(objection, with_for_update=True)
    if objection.status != PENDING:
        raise AlreadyDecided()
    if uphold:
        entry = find_entry(objection.entry_id)
        reversal = ledger.reverse(entry.transfer_id, reason=reason, posted_by_id=actor.user_id)
        objection.reversal_id = reversal.id
    record_decision(
        actor,
        objection,
        uphold=uphold,
        reason=reason,
        target_type="objection",
        changes={"entry_id": objection.entry_id, "reversal_id": objection.reversal_id},
    )
    return objection


def record_decision(
    actor: Principal,
    objection: ObjectionRecord,
    *,
    uphold: bool,
    reason: str,
    target_type: str,
    changes: dict,
) -> None:
    """An admin's decision on an objection, to a board entry or to a nominee (what upholding
    undoes is the caller's): upheld or dismissed, by whom, when and why, and audited as
    ``<target_type>.uphold`` or ``.dismiss``."""
    objection.status = UPHELD if uphold else DISMISSED
    objection.decided_by_id = actor.user_id
    objection.decided_at = utcnow()
    objection.decision_reason = reason
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=objection.village_id,
        action=f"{target_type}.{'uphold' if uphold else 'dismiss'}",
        target_type=target_type,
        target_id=objection.id,
        changes={**changes, "reason": reason},
    )
