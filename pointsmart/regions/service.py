"""The administrative tree: making counties and townships, finding them, the villages under
them, and the village admins a county makes. Permissions are checked here (``access``)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts import service as accounts
from ..accounts.auth import Principal
from ..accounts.models import User
from ..audit import service as audit
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..ordering import natural_sorted
from ..text import clean_name
from ..villages import service as villages
from ..villages.models import Village
from ..villages.service import find_village
from . import access
from .models import COUNTY, LEVELS, TOWNSHIP, Region


def create_region(actor: Principal, *, name: str, level: str, parent_id: int | None) -> Region:
    """A county (no parent; the admin of every village makes it) or a township under a county
    (that county's admins, or the admin of every village). Names are unique among siblings."""
    name = clean_name(name or "")
    if level not in LEVELS:
        raise ValidationFailed(errors={"level": [str(_l("A region is a county or a township."))]})
    if level == COUNTY:
        actor.require_global_admin()
        if parent_id is not None:
            raise ValidationFailed(errors={"parent_id": [str(_l("A county has no parent."))]})
        parent = None
    else:
        parent = db.session.get(Region, parent_id) if parent_id is not None else None
        if parent is None or parent.level != COUNTY:
            raise ValidationFailed(errors={"parent_id": [str(_l("No such county."))]})
        access.require_manager(actor, parent)
    if not name:
        raise ValidationFailed(errors={"name": [str(_l("Give the region a name."))]})
    sibling = sa.select(Region.id).where(
        Region.name == name,
        Region.parent_id == parent_id if parent_id is not None else Region.parent_id.is_(None),
    )
    if db.session.execute(sibling).first():
        raise ValidationFailed(errors={"name": [str(_l("A region with this name exists here."))]})
    region = Region(name=name, level=level, parent_id=parent.id if parent else None)
    db.session.add(region)
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=None,
        action="region.create",
        target_type="region",
        target_id=region.id,
        changes={"name": name, "level": level, "parent_id": region.parent_id},
    )
    return region


def set_levels(
    actor: Principal,
    region_id: int,
    *,
    top3_share_limit: int | None = None,
    reversal_rate_limit: int | None = None,
) -> Region:
    """A county's levels for its dashboard's flags (percent, 1-100); its admins set them."""
    region = access.find_region(region_id)
    access.require_manager(actor, region)
    if region.level != COUNTY:
        raise ValidationFailed(errors={"level": [str(_l("Only a county sets these levels."))]})
    changes = {}
    for name, value in (
        ("top3_share_limit", top3_share_limit),
        ("reversal_rate_limit", reversal_rate_limit),
    ):
        if value is not None and value != getattr(region, name):
            changes[name] = [getattr(region, name), value]
            setattr(region, name, value)
    db.session.flush()
    if changes:
        audit.record(
            actor_id=actor.user_id,
            village_id=None,
            action="region.update",
            target_type="region",
            target_id=region.id,
            changes=changes,
        )
    return region


def get_region(actor: Principal, region_id: int) -> Region:
    """A region its staff (and the county's, and the admin of every village) may read."""
    region = access.find_region(region_id)
    access.require_reader(actor, region)
    return region


def home_regions(actor: Principal) -> list[Region]:
    """The regions the actor's roles name (every county for the admin of every village)."""
    if actor.global_admin:
        statement = sa.select(Region).where(Region.level == COUNTY)
    else:
        ids = list(actor.county_regions | actor.township_regions)
        statement = sa.select(Region).where(Region.id.in_(ids))
    regions = list(db.session.execute(statement).scalars())
    return natural_sorted(regions, lambda region: region.name)


def townships_of(region: Region) -> list[Region]:
    """The townships of a county (none for a township), in the natural order of names."""
    if region.level != COUNTY:
        return []
    rows = db.session.execute(sa.select(Region).where(Region.parent_id == region.id)).scalars()
    return natural_sorted(list(rows), lambda township: township.name)


def township_ids(region: Region) -> list[int]:
    if region.level == TOWNSHIP:
        return [region.id]
    return list(
        db.session.execute(sa.select(Region.id).where(Region.parent_id == region.id)).scalars()
    )


def villages_of(region: Region, townships: list[Region] | None = None) -> list[Village]:
    """The villages of a township, or of every township of a county, by township then name,
    each in the natural order of names (the townships as ``townships_of`` lists them; a
    caller that has them passes them)."""
    if region.level == TOWNSHIP:
        townships = [region]
    elif townships is None:
        townships = townships_of(region)
    place = {township.id: position for position, township in enumerate(townships)}
    rows = db.session.execute(sa.select(Village).where(Village.region_id.in_(list(place))))
    ordered = natural_sorted(list(rows.scalars()), lambda village: village.name)
    return sorted(ordered, key=lambda village: place[village.region_id])


def create_village_under(actor: Principal, page_region_id: int, *, region_id: int, name: str):
    """A new village in ``region_id``, a township of the region whose page the form is on
    (the township itself, or its county). See ``villages.service.create_village``."""
    page_region = access.find_region(page_region_id)
    access.require_manager(actor, page_region)
    if region_id not in township_ids(page_region):
        raise ValidationFailed(errors={"region_id": [str(_l("No such township."))]})
    return villages.create_village(actor, name=name, region_id=region_id)


def create_village_admin_under(
    actor: Principal, page_region_id: int, *, village_id: int, **fields
) -> VillageAdmin:
    """``create_village_admin`` for a village of the region whose page the form is on."""
    page_region = access.find_region(page_region_id)
    access.require_manager(actor, page_region)
    village = db.session.get(Village, village_id)
    if village is None or village.region_id not in township_ids(page_region):
        raise ValidationFailed(errors={"village_id": [str(_l("No such village here."))]})
    return create_village_admin(actor, village_id, **fields)


@dataclass(frozen=True)
class VillageAdmin:
    user: User
    village: Village


def create_village_admin(
    actor: Principal,
    village_id: int,
    *,
    username: str,
    password: str,
    display_name: str = "",
) -> VillageAdmin:
    """An admin of one village of a township, made by the admin of its county (or of every
    village). The village's own admins make their other staff on the village's pages."""
    village = find_village(village_id)
    if village.region_id is None:
        actor.require_global_admin()
    else:
        access.require_manager(actor, access.find_region(village.region_id))
    user = accounts.create_user(
        username,
        password,
        role="admin",
        village_id=village.id,
        display_name=clean_name(display_name or ""),
        actor_id=actor.user_id,
    )
    return VillageAdmin(user=user, village=village)


def require_region_staff(actor: Principal) -> None:
    """Pages of the tree: the admin of every village, county and township admins."""
    if not (actor.global_admin or actor.is_region_staff):
        raise Forbidden(_l("Only the staff of a township or county may see this."))
