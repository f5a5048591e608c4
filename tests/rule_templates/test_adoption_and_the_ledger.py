"""Nothing is retroactive: a newer version adopted from a later day scores the entries of that
day on at the new points, while earlier entries (and the ledger) keep the old ones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from pointsmart import clock
from pointsmart.awards.service import award_by_rule
from pointsmart.extensions import db
from pointsmart.ledger.models import Transfer
from pointsmart.periods import local_today
from pointsmart.rule_templates import adoption, drafting
from pointsmart.rules.models import Rule
from tests.factories import ROOT
from tests.rule_templates.conftest import ENTRIES


def test_a_newer_version_from_a_later_day_scores_later_entries_only(make, tree, template_id):
    village = tree.village
    household = make.household(village, number="XF-101")
    admin = tree.village_admin.principal
    today = local_today(village.timezone)
    adoption.adopt(admin, village.id, template_id, 1, entries=[{"code": "mqsb", "points": 10}])
    rule = db.session.execute(
        sa.select(Rule).where(Rule.village_id == village.id, Rule.code == "mqsb")
    ).scalar_one()
    before = award_by_rule(admin, household_id=household.id, rule_id=rule.id, quantity=1)

    drafting.start_draft(ROOT, template_id)
    drafting.save_draft(
        ROOT,
        template_id,
        entries=[{**ENTRIES[0], "points": 12, "points_max": 14, "monthly_cap": None}],
    )
    drafting.publish(ROOT, template_id)
    later = today + dt.timedelta(days=3)
    adoption.adopt(admin, village.id, template_id, 2, valid_from=later)
    still_today = award_by_rule(admin, household_id=household.id, rule_id=rule.id, quantity=1)

    noon = dt.datetime.combine(later, dt.time(12), ZoneInfo(village.timezone))
    with clock.historical(noon):
        after = award_by_rule(admin, household_id=household.id, rule_id=rule.id, quantity=1)

    assert [before.transfer.amount, still_today.transfer.amount, after.transfer.amount] == [
        10,
        10,
        12,
    ]
    assert before.transfer.rule_version_id == still_today.transfer.rule_version_id
    assert after.transfer.rule_version_id != before.transfer.rule_version_id
    first = db.session.get(Transfer, before.transfer.id)
    db.session.refresh(first)
    assert first.amount == 10
