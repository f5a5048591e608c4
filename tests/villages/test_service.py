"""Villages' service directly: who says which regions take a new village."""

from __future__ import annotations

import pytest

from pointsmart.errors import ValidationFailed
from pointsmart.regions import service as regions
from pointsmart.villages import service
from tests.factories import ROOT


def test_a_village_goes_into_a_region_only_as_the_registered_check_says(app, ctx, monkeypatch):
    asked = []
    monkeypatch.setitem(
        app.extensions, service.PLACING, lambda actor, region_id: asked.append(region_id)
    )

    county = regions.create_region(ROOT, name="某县", level="county", parent_id=None)

    village = service.create_village(ROOT, name="登记村", region_id=county.id)

    assert (village.region_id, asked) == (county.id, [county.id])


def test_without_a_check_no_village_goes_into_a_region(app, ctx, monkeypatch):
    monkeypatch.delitem(app.extensions, service.PLACING)
    county = regions.create_region(ROOT, name="某县", level="county", parent_id=None)

    with pytest.raises(ValidationFailed) as refused:
        service.create_village(ROOT, name="无乡村", region_id=county.id)

    assert "region_id" in refused.value.errors
