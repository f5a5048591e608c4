"""Who may read or manage a region. Leaf module: models only, so the packages above (rule
templates, campaigns) can ask it without importing the regions service.

* The global admin (an admin of every village) reads and manages every region.
* A county admin reads and manages the county and each township under it.
* A township admin reads the township; a county is not theirs to read, nor another township.
* A village's staff read no region at all.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..lookups import get_or_refuse
from .models import COUNTY, TOWNSHIP, Region


def find_region(region_id: int) -> Region:
    return get_or_refuse(Region, region_id, _l("No such region."))


def county_of(region: Region) -> int:
    """The id of the region's county (the region itself when it is one)."""
    return region.id if region.level == COUNTY else region.parent_id


def may_read(actor: Principal, region: Region) -> bool:
    if actor.global_admin or county_of(region) in actor.county_regions:
        return True
    return region.level == TOWNSHIP and region.id in actor.township_regions


def may_manage(actor: Principal, region: Region) -> bool:
    return actor.global_admin or county_of(region) in actor.county_regions


def require_reader(actor: Principal, region: Region) -> None:
    if not may_read(actor, region):
        raise Forbidden(_l("Only the staff of this township or county may see it."))


def require_manager(actor: Principal, region: Region) -> None:
    if not may_manage(actor, region):
        raise Forbidden(_l("Only an administrator of this county may do this."))


def township_for_new_village(actor: Principal, region_id: int) -> Region:
    """The township a new village goes into, once the actor may put one there."""
    region = db.session.get(Region, region_id)
    if region is None or region.level != TOWNSHIP:
        raise ValidationFailed(errors={"region_id": [str(_l("No such township."))]})
    require_manager(actor, region)
    return region
