"""The audit log service: diff, record in the caller's transaction, newest-first pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pointsmart.audit import service as audit
from pointsmart.audit.models import AuditEntry
from pointsmart.extensions import db


def test_diff_names_only_what_changed_as_plain_values():
    before = {"name": "甲", "rate": Decimal("0.10"), "day": dt.date(2026, 1, 1), "same": 1}
    after = {"name": "乙", "rate": Decimal("0.25"), "day": dt.date(2026, 2, 1), "same": 1}
    assert audit.diff(before, after) == {
        "name": ["甲", "乙"],
        "rate": ["0.10", "0.25"],
        "day": ["2026-01-01", "2026-02-01"],
    }


def test_entries_are_newest_first_per_village_and_paged(make):
    village, other = make.village(), make.village()
    staff = make.staff("admin", village)
    first = audit.record(
        actor_id=staff.user_id,
        village_id=village.id,
        action="grid.rename",
        target_type="grid",
        target_id=1,
        changes={"name": ["甲", "乙"]},
    )
    second = audit.record(
        actor_id=None, village_id=village.id, action="grid.create", target_type="grid", target_id=2
    )
    audit.record(
        actor_id=None, village_id=other.id, action="grid.create", target_type="grid", target_id=3
    )
    mine = audit.entries(village_ids=[village.id], limit=100)
    assert [e.id for e in mine if e.id in (first.id, second.id)] == [second.id, first.id]
    assert all(e.village_id == village.id for e in mine)
    older = audit.entries(village_ids=[village.id], limit=100, before_id=second.id)
    assert second.id not in [e.id for e in older]
    assert first.id in [e.id for e in older]
    assert audit.changes_of(first) == {"name": ["甲", "乙"]}
    assert audit.actor_names([first, second]) == {staff.user_id: staff.username}
    assert len(audit.entries(village_ids=None, limit=500)) >= 3


def test_an_entry_rolls_back_with_its_change(make):
    village = make.village()
    db.session.commit()
    before = db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one()
    audit.record(
        actor_id=None, village_id=village.id, action="grid.create", target_type="grid", target_id=9
    )
    db.session.rollback()
    after = db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one()
    assert after == before
