"""Who may read, make or adopt a county's rule templates.

* Manage (make, edit, publish): the county's admins and the admin of every village.
* Read the published versions: those, the admins of the county's townships, and the admins
  of the villages under those townships. Drafts are the county's own work: managers only.
* Adopt into a village: that village's admins, when the village lies under the county.

Anyone else gets 403 (``forbidden``); leaders, shopkeepers and households never see templates.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..lookups import get_or_refuse
from ..regions import access as regions
from ..regions.models import COUNTY, Region
from ..villages.models import Village
from ..villages.service import administered_village
from .models import RuleTemplate


def find_template(template_id: int) -> RuleTemplate:
    return get_or_refuse(RuleTemplate, template_id, _l("No such rule template."))


def find_county(region_id: int) -> Region:
    region = regions.find_region(region_id)
    if region.level != COUNTY:
        raise NotFound(_l("Only a county has rule templates."))
    return region


def county_of_village(village_id: int) -> int | None:
    """The county above the village (through its township), or None."""
    return db.session.execute(
        sa.select(Region.parent_id)
        .join(Village, Village.region_id == Region.id)
        .where(Village.id == village_id)
    ).scalar_one_or_none()


def may_manage(actor: Principal, county_id: int) -> bool:
    return actor.global_admin or county_id in actor.county_regions


def may_read(actor: Principal, county_id: int) -> bool:
    """The county's managers, its township admins and the admins of its villages."""
    if may_manage(actor, county_id):
        return True
    if actor.township_regions:
        parents = db.session.execute(
            sa.select(Region.parent_id).where(Region.id.in_(actor.township_regions))
        ).scalars()
        if county_id in set(parents):
            return True
    return any(county_of_village(village) == county_id for village in actor.admin_villages)


def require_manager(actor: Principal, county_id: int) -> None:
    if not may_manage(actor, county_id):
        raise Forbidden(_l("Only an administrator of this county may do this."))


def require_reader(actor: Principal, county_id: int) -> None:
    if not may_read(actor, county_id):
        raise Forbidden(
            _l("Only the county's staff and its villages' administrators may see its templates.")
        )


def require_adopter(actor: Principal, village_id: int) -> int:
    """The county above the village, once the actor may adopt into the village (its admins).

    A village in no county has no templates to adopt: 404.
    """
    administered_village(actor, village_id)
    county_id = county_of_village(village_id)
    if county_id is None:
        raise NotFound(_l("This village belongs to no county, so it has no rule templates."))
    return county_id
