"""A county with two townships, a village in each, and someone in every role over them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pointsmart.periods import current_period, previous_periods
from pointsmart.regions import service as regions
from pointsmart.regions.models import Region
from pointsmart.villages.models import Village
from tests.factories import ROOT, Factories, Staff


@dataclass
class Tree:
    make: Factories
    county: Region
    township: Region  # 城关镇, with 幸福村
    other_township: Region  # 河西乡, with 河西村
    village: Village
    other_village: Village
    loose_village: Village  # in no township
    county_admin: Staff
    township_admin: Staff
    other_township_admin: Staff
    village_admin: Staff
    leader: Staff
    global_admin: Staff


@pytest.fixture
def tree(make) -> Tree:
    county = regions.create_region(ROOT, name="安平县", level="county", parent_id=None)
    township = regions.create_region(ROOT, name="城关镇", level="township", parent_id=county.id)
    other = regions.create_region(ROOT, name="河西乡", level="township", parent_id=county.id)
    village = make.village(name="幸福村", region_id=township.id)
    other_village = make.village(name="河西村", region_id=other.id)
    return Tree(
        make=make,
        county=county,
        township=township,
        other_township=other,
        village=village,
        other_village=other_village,
        loose_village=make.village(name="独立村"),
        county_admin=make.staff("county_admin", region=county),
        township_admin=make.staff("township_admin", region=township),
        other_township_admin=make.staff("township_admin", region=other),
        village_admin=make.staff("admin", village),
        leader=make.staff("leader", village),
        global_admin=make.staff("admin"),
    )


@pytest.fixture
def now() -> str:
    """This month in the villages' zone (Asia/Shanghai) as the test runs. Not a constant of
    the module: one taken when the file is collected goes stale for a run that reaches the
    test after midnight in Shanghai on a month's last day (16:00 UTC), and the test then asks
    for a month that has ended while its awards count in the new one."""
    return current_period("Asia/Shanghai")


@pytest.fixture
def last(now) -> str:
    """The month before :func:`now`."""
    return previous_periods(now, 2)[0]
