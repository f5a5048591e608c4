"""Writing and reading the audit log. Callers record in the same transaction as the change,
so a change that rolls back leaves no entry and an entry never names a change that did not
happen."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from .models import AuditEntry

# The users' names, read by table name: the audit log sits below the accounts, which write to it.
User = sa.table("users", sa.column("id"), sa.column("username"), sa.column("display_name"))


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The fields whose values differ, as ``{field: [old, new]}``."""
    return {
        field: [_plain(before.get(field)), _plain(after.get(field))]
        for field in after
        if before.get(field) != after.get(field)
    }


def record(
    *,
    actor_id: int | None,
    village_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id,
        village_id=village_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        changes=json.dumps(_plain(changes or {}), ensure_ascii=False, sort_keys=True),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def record_village_update(*, actor_id: int | None, village_id: int, changes: Mapping) -> None:
    """A village's settings changed (``changes`` as from ``diff``); nothing if none did."""
    if changes:
        record(
            actor_id=actor_id,
            village_id=village_id,
            action="village.update",
            target_type="village",
            target_id=village_id,
            changes=changes,
        )


def entries(
    *, village_ids: Sequence[int] | None, limit: int = 50, before_id: int | None = None
) -> list[AuditEntry]:
    """Newest first. ``village_ids`` None means every entry (a county-wide admin)."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if village_ids is not None:
        query = query.where(AuditEntry.village_id.in_(village_ids))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(db.session.scalars(query))


def changes_of(entry: AuditEntry) -> dict[str, Any]:
    return json.loads(entry.changes)


def actor_names(items: Sequence[AuditEntry]) -> dict[int, str]:
    """``{user id: display name or username}`` of the entries' actors, in one query."""
    ids = {entry.actor_id for entry in items if entry.actor_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(User.c.id, User.c.username, User.c.display_name).where(User.c.id.in_(ids))
    ).all()
    return {row.id: row.display_name or row.username for row in rows}
