"""The county of tests/regions (two townships, a village in each, staff in every role) and
its template of rules, 村规民约积分细则, as a draft or published."""

from __future__ import annotations

import pytest

from pointsmart.rule_templates import drafting
from tests.factories import ROOT
from tests.regions.conftest import Tree, tree  # noqa: F401 - the county, its townships and staff

# A rule the village may move from 8 to 12, a fixed deduction, and hours of volunteering.
ENTRIES = [
    {
        "code": "mqsb",
        "name": "门前三包",
        "category": "rule",
        "points": 10,
        "points_min": 8,
        "points_max": 12,
        "monthly_cap": 30,
    },
    {"code": "lkxs", "name": "乱扣乱建", "category": "black", "points": -20},
    {
        "code": "zyfw",
        "name": "志愿服务",
        "category": "volunteer",
        "unit": "hour",
        "points": 5,
        "points_min": 3,
        "points_max": 6,
    },
]


def publish_template(county_id: int, entries=ENTRIES, title="村规民约积分细则"):
    """A template of the county published as v1; returns its id."""
    made = drafting.create_template(ROOT, county_id, title=title, entries=entries)
    drafting.publish(ROOT, made.id)
    return made.id


@pytest.fixture
def template_id(tree: Tree) -> int:  # noqa: F811 - the imported fixture
    return publish_template(tree.county.id)
