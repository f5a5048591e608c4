"""The drafting service directly: the draft takes single rules, and a published version has
none."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsmart.audit.models import AuditEntry
from pointsmart.audit.service import changes_of
from pointsmart.errors import NotFound, ValidationFailed
from pointsmart.extensions import db
from pointsmart.rule_templates import drafting, reading
from pointsmart.rule_templates.errors import NoDraft
from tests.factories import ROOT
from tests.rule_templates.conftest import ENTRIES


def test_the_draft_takes_single_rules_and_a_published_version_has_none(tree, template_id):
    with pytest.raises(NoDraft):
        drafting.put_entry(ROOT, template_id, ENTRIES[0])
    draft = drafting.start_draft(ROOT, template_id)
    drafting.put_entry(
        ROOT, template_id, {**ENTRIES[0], "points": 11}, entry_id=draft.entries[0].id
    )
    drafting.put_entry(
        ROOT, template_id, {"code": "new", "name": "新规", "category": "other", "points": 1}
    )
    with pytest.raises(ValidationFailed) as refused:
        drafting.put_entry(ROOT, template_id, {**ENTRIES[1], "code": "new"})
    assert "code" in refused.value.errors
    drafting.remove_entry(ROOT, template_id, draft.entries[1].id)
    with pytest.raises(NotFound):
        drafting.remove_entry(ROOT, template_id, draft.entries[1].id)

    draft = reading.get_draft(ROOT, template_id)
    assert [(e.code, e.points) for e in draft.entries] == [("mqsb", 11), ("zyfw", 5), ("new", 1)]
    v1 = reading.get_version(ROOT, template_id, 1)
    assert [(e.code, e.points) for e in v1.entries] == [("mqsb", 10), ("lkxs", -20), ("zyfw", 5)]


def test_a_change_of_the_note_for_the_villages_is_audited(tree):
    """The note tells the villages what changed in a version. Changing it alone (the
    draft's title form, ``PATCH .../draft``), or with the publication, left no audit entry."""
    made = drafting.create_template(ROOT, tree.county.id, title="细则", entries=ENTRIES)

    drafting.save_draft(ROOT, made.id, note="门前三包提高")
    drafting.publish(ROOT, made.id, note="门前三包提高到 10 分")

    update, publication = _audit("rule_template.update")[-1], _audit("rule_template.publish")[-1]
    assert changes_of(update)["note"] == ["", "门前三包提高"]
    assert changes_of(publication)["note"] == ["门前三包提高", "门前三包提高到 10 分"]


def _audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars()
    )
