"""JSON API: nominations, council votes, 豆选 and objections."""

from __future__ import annotations

from flask import request

from ...accounts.auth import current_principal
from ...counter.photos import MAX_BYTES
from ...schemas import photo_from_base64
from .. import conferral, review, service
from ..present import campaign_view
from ..schemas import (
    BallotOut,
    BeansIn,
    NominationIn,
    NominationOut,
    NomineeObjectionDecisionIn,
    NomineeObjectionIn,
    NomineeObjectionList,
    NomineeObjectionOut,
    VoteCast,
    VoteIn,
)
from . import blp


@blp.url_value_preprocessor
def allow_photos(endpoint, values):
    """A nomination may carry a photo (base64: a third more than ``MAX_BYTES``)."""
    if endpoint == "campaigns.nominate":
        request.max_content_length = MAX_BYTES * 2


def _nomination_body(nomination) -> dict:
    campaign = service.find_campaign(nomination.campaign_id)
    view = campaign_view(current_principal(), campaign)
    return next(item for item in view["nominations"] if item["id"] == nomination.id)


@blp.route("/campaigns/<int:campaign_id>/nominations", methods=["POST"])
@blp.arguments(NominationIn)
@blp.response(201, NominationOut)
def nominate(data, campaign_id):
    """Nominate a household with a reason (and a photo) during the nomination window:
    leaders and admins, or a household when the campaign lets villagers nominate.
    409 ``already_nominated``, ``campaign_window_closed``."""
    nomination = service.nominate(
        current_principal(),
        campaign_id,
        household_id=data["household_id"],
        reason=data["reason"],
        photo=photo_from_base64(data["photo_base64"]),
    )
    return _nomination_body(nomination)


@blp.route("/nominations/<int:nomination_id>/decline", methods=["POST"])
@blp.response(200, NominationOut)
def decline(nomination_id):
    """The nominated household declines (or an admin records it), until conferral."""
    return _nomination_body(service.decline(current_principal(), nomination_id))


@blp.route("/nominations/<int:nomination_id>/votes", methods=["POST"])
@blp.arguments(VoteIn)
@blp.response(201, VoteCast)
def vote(data, nomination_id):
    """A council member's vote, once, during the review window. 403 ``not_on_council``,
    ``own_household``; 409 ``already_voted``, ``campaign_window_closed``."""
    return review.cast_vote(current_principal(), nomination_id, **data)


@blp.route("/campaigns/<int:campaign_id>/beans", methods=["POST"])
@blp.arguments(BeansIn)
@blp.response(201, BallotOut)
def give_beans(data, campaign_id):
    """豆选: a household gives its beans to nominees, once (villager login). 409
    ``beans_already_given``."""
    beans = {int(key): value for key, value in data["beans"].items()}
    return review.give_beans(current_principal(), campaign_id, beans)


@blp.route("/nominations/<int:nomination_id>/objections", methods=["POST"])
@blp.arguments(NomineeObjectionIn)
@blp.response(201, NomineeObjectionOut)
def raise_objection(data, nomination_id):
    """A household objects to a published winner during the notice (公示), once; an admin
    may file it for a household. 409 ``not_a_winner``, ``already_objected``."""
    return conferral.raise_objection(current_principal(), nomination_id, **data)


@blp.route("/campaigns/<int:campaign_id>/objections", methods=["GET"])
@blp.response(200, NomineeObjectionList)
def list_objections(campaign_id):
    """Objections to the campaign's winners (admin)."""
    return {"items": conferral.objections_of(current_principal(), campaign_id)}


@blp.route("/campaign-objections/<int:campaign_objection_id>/decision", methods=["POST"])
@blp.arguments(NomineeObjectionDecisionIn)
@blp.response(200, NomineeObjectionOut)
def decide_objection(data, campaign_objection_id):
    """Uphold (the nominee is removed from the result) or dismiss, with a reason (admin)."""
    return conferral.decide_objection(current_principal(), campaign_objection_id, **data)
