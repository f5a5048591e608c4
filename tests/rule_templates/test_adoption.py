"""Adopting through the service directly: what publishing and adopting record, a version that
drops a rule, and a rule the village retired."""

from __future__ import annotations

import sqlalchemy as sa

from pointsmart.audit.models import AuditEntry
from pointsmart.audit.service import changes_of
from pointsmart.extensions import db
from pointsmart.rule_templates import adoption, drafting
from pointsmart.rule_templates.models import AdoptedEntry, Adoption, TemplateRule
from pointsmart.rules import catalogue as rules
from pointsmart.rules.models import Rule
from tests.factories import ROOT
from tests.rule_templates.conftest import ENTRIES


def _audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars()
    )


def test_publishing_and_adopting_are_audited_and_the_adoption_is_kept(tree, template_id):
    (published,) = _audit("rule_template.publish")
    assert changes_of(published)["version"] == 1
    admin = tree.village_admin.principal

    plan = adoption.adopt(admin, tree.village.id, template_id, 1, entries=[{"code": "mqsb"}])

    kept = db.session.get(Adoption, plan.id)
    assert (kept.village_id, kept.template_id, kept.adopted_by_id) == (
        tree.village.id,
        template_id,
        tree.village_admin.user_id,
    )
    entries = db.session.execute(
        sa.select(AdoptedEntry).where(AdoptedEntry.adoption_id == kept.id)
    ).scalars()
    assert [e.rule_version_id for e in entries] == [plan.entries[0].rule_version_id]
    (adopted,) = _audit("rule_template.adopt")
    assert adopted.village_id == tree.village.id
    assert changes_of(adopted)["entries"] == {"mqsb": 10}
    assert changes_of(adopted)["left_out"] == ["lkxs", "zyfw"]
    created = _audit("rule.create")[-1]
    assert changes_of(created)["points_range"] == [8, 12]


def test_a_version_without_a_rule_leaves_the_village_rule_as_it_is_and_says_so(tree, template_id):
    admin = tree.village_admin.principal
    adoption.adopt(admin, tree.village.id, template_id, 1)
    drafting.start_draft(ROOT, template_id)
    drafting.save_draft(ROOT, template_id, entries=[ENTRIES[0]])
    drafting.publish(ROOT, template_id)

    plan = adoption.preview(admin, tree.village.id, template_id, 2)

    assert sorted(rule.code for rule in plan.dropped) == ["lkxs", "zyfw"]
    adoption.adopt(admin, tree.village.id, template_id, 2)
    kept = db.session.execute(
        sa.select(Rule).where(Rule.village_id == tree.village.id, Rule.code == "lkxs")
    ).scalar_one()
    assert kept.active is True
    links = db.session.execute(sa.select(TemplateRule.code)).scalars().all()
    assert sorted(links) == ["lkxs", "mqsb", "zyfw"]


def test_a_rule_the_village_retired_gets_the_new_points_and_stays_retired(tree, template_id):
    admin = tree.village_admin.principal
    adoption.adopt(admin, tree.village.id, template_id, 1, entries=[{"code": "mqsb"}])
    rule = db.session.execute(sa.select(Rule).where(Rule.code == "mqsb")).scalar_one()
    rules.change_rule(admin, rule.id, active=False)
    drafting.start_draft(ROOT, template_id)
    drafting.publish(ROOT, template_id)

    adoption.adopt(admin, tree.village.id, template_id, 2, entries=[{"code": "mqsb", "points": 9}])

    view = rules.get_rule(admin, rule.id)
    assert view.active is False
    assert [v.points for v in view.versions] == [10, 9]
