"""``/api/v1/villages/<id>/rule-templates`` and ``.../rule-template-adoptions``: a village's
admins see the county's templates and adopt a version."""

from __future__ import annotations

from ...accounts.auth import current_principal
from .. import adoption
from .. import offers as template_offers
from ..schemas import AdoptionIn, AdoptionList, OfferList, PlanOut
from .blueprint import blp


@blp.route("/villages/<int:village_id>/rule-templates", methods=["GET"])
@blp.response(200, OfferList)
def offers(village_id):
    """The county's published templates as the village sees them: the latest version, the
    version the village adopted and ``newer_available`` (the village's admins)."""
    items = template_offers.offers(current_principal(), village_id)
    return {
        "items": items,
        "notice": any(item.newer_available for item in items),
        "next_after": None,
    }


@blp.route("/villages/<int:village_id>/rule-template-adoptions", methods=["GET"])
@blp.response(200, AdoptionList)
def list_adoptions(village_id):
    """The village's adoptions, newest first (the village's admins)."""
    items = template_offers.adoptions(current_principal(), village_id)
    return {"items": items, "next_after": None}


@blp.route("/villages/<int:village_id>/rule-template-adoptions/preview", methods=["POST"])
@blp.arguments(AdoptionIn)
@blp.response(200, PlanOut)
def preview(data, village_id):
    """What adopting would do (a rule or a new version for each entry); refused exactly as
    adopting would be; writes nothing."""
    return adoption.preview(current_principal(), village_id, **data)


@blp.route("/villages/<int:village_id>/rule-template-adoptions", methods=["POST"])
@blp.arguments(AdoptionIn)
@blp.response(201, PlanOut)
def adopt(data, village_id):
    """Adopt a published version from ``valid_from`` (today or later); 409
    ``points_out_of_range``, 409 ``later_version_exists`` (the village's admins)."""
    return adoption.adopt(current_principal(), village_id, **data)
