"""The database itself keeps a rule version's points inside its county range (a CHECK on
PostgreSQL, a trigger on SQLite, where the migration cannot rebuild ``rule_versions``)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from pointsmart.extensions import db
from pointsmart.rules import catalogue as rules
from pointsmart.rules.models import RuleVersion
from tests.factories import ROOT


@pytest.mark.parametrize(
    ("points", "low", "high"),
    [(13, 8, 12), (7, 8, 12), (5, -2, 8), (5, 8, None)],
)
def test_a_version_outside_its_range_cannot_be_written(make, points, low, high):
    village = make.village()
    rule = rules.create_rule(ROOT, village.id, code="r", name="规则", category="other", points=10)
    version = RuleVersion(
        rule_id=rule.rule.id,
        version=2,
        points=points,
        points_min=low,
        points_max=high,
        valid_from=dt.date(2030, 1, 1),
    )
    with db.session.begin_nested():
        db.session.add(version)
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()


def test_a_version_inside_its_range_or_without_one_is_written(make):
    village = make.village()
    rule = rules.create_rule(ROOT, village.id, code="r", name="规则", category="other", points=10)
    for number, (low, high) in enumerate([(8, 12), (None, None)], start=2):
        db.session.add(
            RuleVersion(
                rule_id=rule.rule.id,
                version=number,
                points=10,
                points_min=low,
                points_max=high,
                valid_from=dt.date(2030, 1, number),
            )
        )
        db.session.flush()
