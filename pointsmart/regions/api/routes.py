"""``/api/v1/regions``: make and read counties and townships."""

from __future__ import annotations

from ...accounts.auth import current_principal
from .. import service
from ..schemas import LevelsIn, RegionIn, RegionList, RegionOut
from .blueprint import blp


@blp.route("/regions", methods=["GET"])
@blp.response(200, RegionList)
def list_regions():
    """The regions of the caller's roles (every county for an admin of every village); for
    county and township staff (and that admin) only."""
    actor = current_principal()
    service.require_region_staff(actor)
    return {"items": service.home_regions(actor)}


@blp.route("/regions", methods=["POST"])
@blp.arguments(RegionIn)
@blp.response(201, RegionOut)
def create_region(data):
    """A county (admin of every village) or a township of a county (its county admin)."""
    return service.create_region(current_principal(), **data)


@blp.route("/regions/<int:region_id>", methods=["GET"])
@blp.response(200, RegionOut)
def get_region(region_id):
    """A county (its admins) or a township (its admins and its county's)."""
    return service.get_region(current_principal(), region_id)


@blp.route("/regions/<int:region_id>", methods=["PATCH"])
@blp.arguments(LevelsIn)
@blp.response(200, RegionOut)
def set_levels(data, region_id):
    """A county's levels for the flags ``awards_concentrated`` (``top3_share_limit``) and
    ``reversals_high`` (``reversal_rate_limit``), in percent (its county admins)."""
    return service.set_levels(current_principal(), region_id, **data)
