"""Where a campaign runs: its village, or the villages under its township or county.

A village's campaign (``village_id``) is run by the village's admins and open to its
households. A region's campaign (``region_id``, a township or a county) is run by the
region's admins (``regions.access.may_read``: the admin of every village, the county's
admins, and for a township its township admins) and open to every village under the region:
each village's leaders and admins nominate its households (and, if the campaign allows, its
households from ``/me``); the council is staff of the region or of its villages. Its days are
those of the time zone of the villages under it (the first one's; one county shares one).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import Forbidden
from ..extensions import db
from ..regions import access as region_access
from ..regions.models import COUNTY, Region
from ..villages.models import Village
from .models import Campaign

DEFAULT_TIMEZONE = "Asia/Shanghai"


def township_ids(region: Region) -> list[int]:
    if region.level != COUNTY:
        return [region.id]
    return list(
        db.session.execute(sa.select(Region.id).where(Region.parent_id == region.id)).scalars()
    )


def related_regions(region) -> list[int]:
    """The regions whose staff may sit on the council: the region, the townships of a
    county, the county of a township."""
    if region.level == COUNTY:
        return [*township_ids(region), region.id]
    return [region.id, region.parent_id]


def region_village_ids(region: Region) -> list[int]:
    return list(
        db.session.execute(
            sa.select(Village.id)
            .where(Village.region_id.in_(township_ids(region)))
            .order_by(Village.id)
        ).scalars()
    )


def village_ids(campaign: Campaign) -> list[int]:
    """The villages whose households the campaign is open to."""
    if campaign.village_id is not None:
        return [campaign.village_id]
    return region_village_ids(region_access.find_region(campaign.region_id))


def is_open_to(campaign: Campaign, village_id: int | None) -> bool:
    if village_id is None:
        return False
    if campaign.village_id is not None:
        return campaign.village_id == village_id
    return village_id in village_ids(campaign)


def council_region_ids(campaign: Campaign) -> list[int]:
    """The regions whose staff may sit on the campaign's council (none for a village's)."""
    if campaign.region_id is None:
        return []
    return related_regions(region_access.find_region(campaign.region_id))


def timezone_of(campaign: Campaign) -> str:
    if campaign.village_id is not None:
        return db.session.get(Village, campaign.village_id).timezone
    ids = village_ids(campaign)
    return db.session.get(Village, ids[0]).timezone if ids else DEFAULT_TIMEZONE


def may_run(actor: Principal, campaign: Campaign) -> bool:
    """Sets up, publishes and confers: the village's admins, or the region's."""
    if campaign.village_id is not None:
        return actor.is_admin_of(campaign.village_id)
    return region_access.may_read(actor, region_access.find_region(campaign.region_id))


def require_runner(actor: Principal, campaign: Campaign) -> None:
    if campaign.village_id is not None:
        actor.require_admin(campaign.village_id)
    elif not may_run(actor, campaign):
        raise Forbidden(_l("Only an administrator of this township or county may do this."))


def regions_above(village_id: int) -> list[int]:
    """The township of the village and its county (the regions whose campaigns it is in)."""
    village = db.session.get(Village, village_id)
    if village is None or village.region_id is None:
        return []
    township = db.session.get(Region, village.region_id)
    return [township.id] + ([township.parent_id] if township.parent_id else [])


def open_to_village(village_id: int) -> sa.ColumnElement[bool]:
    """A filter on ``Campaign``: the village's own campaigns and those of the regions above."""
    regions = regions_above(village_id)
    if not regions:
        return Campaign.village_id == village_id
    return sa.or_(Campaign.village_id == village_id, Campaign.region_id.in_(regions))


def awarder_villages(actor: Principal, campaign: Campaign) -> list[int]:
    """The campaign's villages whose leaders or admins ``actor`` is (they nominate there)."""
    return [v for v in village_ids(campaign) if actor.is_admin_of(v) or actor.is_leader_of(v)]


def require_staff_page(actor: Principal, campaign: Campaign) -> None:
    """The staff pages of a campaign: leaders and admins of its villages, and its runners."""
    if campaign.village_id is not None:
        actor.require_awarder(campaign.village_id)
    elif not (may_run(actor, campaign) or awarder_villages(actor, campaign)):
        raise Forbidden(_l("Only a leader or administrator of this village may do this."))


def issuer(campaign: Campaign) -> Any | None:
    """Who a region's campaign's notice and certificates are from: ``name`` and ``timezone``
    of the township or county (None for a village's campaign)."""
    if campaign.region_id is None:
        return None
    region = region_access.find_region(campaign.region_id)
    return SimpleNamespace(name=region.name, timezone=timezone_of(campaign))


def home_village(actor: Principal, campaign: Campaign) -> int | None:
    """The village whose pages frame the campaign's: its own, else the first of the
    region's villages that ``actor`` works in, else the region's first village."""
    if campaign.village_id is not None:
        return campaign.village_id
    mine = awarder_villages(actor, campaign) if actor is not None else []
    every = village_ids(campaign)
    return (mine or every or [None])[0]
