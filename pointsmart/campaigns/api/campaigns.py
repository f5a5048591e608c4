"""JSON API: campaigns of a village, of a township or county; publishing and conferring."""

from __future__ import annotations

from ...accounts.auth import current_principal
from ...awards.api.routes import IDEMPOTENCY_HEADER
from ...idempotent import idempotent_call
from .. import conferral, regional, review, service
from ..present import campaign_view
from ..schemas import CampaignIn, CampaignList, CampaignOut, ConferralOut, RegionCampaignIn
from . import blp


@blp.route("/villages/<int:village_id>/campaigns", methods=["GET"])
@blp.response(200, CampaignList)
def list_campaigns(village_id):
    """The village's campaigns, newest first (staff and households of the village)."""
    return {"items": service.campaigns_of(current_principal(), village_id)}


@blp.route("/villages/<int:village_id>/campaigns", methods=["POST"])
@blp.arguments(CampaignIn)
@blp.response(201, CampaignOut)
def create_campaign(data, village_id):
    """Set up a campaign (admin of the village): windows as dates, inclusive; the council
    as staff user ids (``council``) or members with their household (``council_members``)."""
    actor = current_principal()
    campaign = service.create_campaign(actor, village_id, **data)
    return campaign_view(actor, campaign)


@blp.route("/regions/<int:region_id>/campaigns", methods=["GET"])
@blp.response(200, CampaignList)
def list_region_campaigns(region_id):
    """The township's or county's own campaigns, newest first (its admins)."""
    return {"items": regional.campaigns_of_region(current_principal(), region_id)}


@blp.route("/regions/<int:region_id>/campaigns", methods=["POST"])
@blp.arguments(RegionCampaignIn)
@blp.response(201, CampaignOut)
def create_region_campaign(data, region_id):
    """Set up a campaign of a township or county, open to every village under it (its
    admins: county admins, the township's admins). The body of a village's campaign with
    ``points`` (what each winner gets, in its own village) instead of ``rule_id``."""
    actor = current_principal()
    campaign = regional.create_region_campaign(actor, region_id, **data)
    return campaign_view(actor, campaign)


@blp.route("/campaigns/<int:campaign_id>", methods=["GET"])
@blp.response(200, CampaignOut)
def get_campaign(campaign_id):
    """The campaign and its nominees; tallies once the review is over or published."""
    actor = current_principal()
    campaign = service.find_campaign(campaign_id)
    service.require_reader(actor, campaign)
    return campaign_view(actor, campaign)


@blp.route("/campaigns/<int:campaign_id>/publish", methods=["POST"])
@blp.response(200, CampaignOut)
def publish(campaign_id):
    """Publish the result and start the notice (admin). 409 ``quorum_not_met``,
    ``campaign_window_closed`` (review still open with votes missing), ``already_published``."""
    actor = current_principal()
    return campaign_view(actor, review.publish(actor, campaign_id))


@blp.route("/campaigns/<int:campaign_id>/confer", methods=["POST"])
@blp.response(200, ConferralOut)
@blp.doc(**IDEMPOTENCY_HEADER)
def confer(campaign_id):
    """Confer the titles and post each winner's points, once (admin): a second call posts
    nothing and answers ``posted: 0``. 409 ``notice_not_over``, ``objections_pending``."""
    actor = current_principal()

    def produce():
        campaign, posted = conferral.confer(actor, campaign_id)
        return ConferralOut().dump({**campaign_view(actor, campaign), "posted": posted})

    return idempotent_call(actor, {"campaign_id": campaign_id}, produce, status=200)
