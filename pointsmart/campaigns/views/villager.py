"""A household's campaign pages on ``/me``: the village's campaigns, and in each one what the
household may do now: nominate (when the campaign lets villagers), give its 豆选 beans, vote
(a villager on the council), decline its own nomination, object during the notice (公示)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, validate

from ...accounts.auth import Principal, villager_page_principal
from ...errors import NotFound
from ...forms import REQUIRED_NUMBER as REQUIRED
from ...forms import act, form_id, parse_form, refuse_form, whole_number
from ...replica import reads_from_replica
from ...text import Text
from ...villagers.views import villager_required
from .. import conferral, review, service
from ..present import campaign_view
from . import bp
from .staff import nominate_by_form, vote_by_form


class ObjectionForm(Schema):
    reason = Text(required=True, error_messages=REQUIRED, validate=validate.Length(1, 500))


def _campaign(principal: Principal, campaign_id: int):
    try:
        campaign = service.find_campaign(campaign_id)
        service.require_reader(principal, campaign)
    except NotFound:
        abort(404)
    return campaign


def _back(campaign_id: int) -> str:
    return url_for("campaigns_pages.my_campaign", campaign_id=campaign_id)


@bp.route("/me/campaigns", methods=["GET"])
@reads_from_replica
@villager_required
def my_campaigns(principal):
    campaigns = service.campaigns_of(principal, principal.household_village_id)
    return render_template("campaigns/me_list.html", campaigns=campaigns)


@bp.route("/me/campaigns/<int:campaign_id>", methods=["GET"])
@reads_from_replica
@villager_required
def my_campaign(principal, campaign_id: int):
    campaign = _campaign(principal, campaign_id)
    return render_template(
        "campaigns/me_campaign.html",
        campaign=campaign_view(principal, campaign),
        member=review.member_for(principal, campaign_id),
        household_id=principal.household_id,
    )


@bp.route("/me/campaigns/<int:campaign_id>/nominations", methods=["POST"])
@villager_required
def my_nomination(principal, campaign_id: int):
    campaign = _campaign(principal, campaign_id)
    village_id = campaign.village_id or principal.household_village_id
    return nominate_by_form(principal, campaign_id, _back(campaign_id), lambda: village_id)


@bp.route("/me/campaigns/<int:campaign_id>/beans", methods=["POST"])
@villager_required
def my_beans(principal, campaign_id: int):
    _campaign(principal, campaign_id)
    beans = {}
    for name, value in request.form.items():
        nomination_id = form_id(name[6:]) if name.startswith("beans-") else None
        count = whole_number(value)
        if nomination_id is not None and count is not None:
            beans[nomination_id] = count

    def produce() -> dict:
        return {"id": review.give_beans(principal, campaign_id, beans).id}

    payload = {str(k): v for k, v in beans.items()}
    return act(principal, payload, produce, _back(campaign_id), _("Your beans are given."))


@bp.route("/me/nominations/<int:nomination_id>/vote", methods=["POST"])
@villager_required
def my_vote(principal, nomination_id: int):
    nomination = service.find_nomination(nomination_id)
    _campaign(principal, nomination.campaign_id)
    return vote_by_form(principal, nomination_id, _back(nomination.campaign_id))


@bp.route("/me/nominations/<int:nomination_id>/decline", methods=["POST"])
@villager_required
def my_decline(principal, nomination_id: int):
    nomination = service.find_nomination(nomination_id)
    _campaign(principal, nomination.campaign_id)

    def produce() -> dict:
        return {"status": service.decline(principal, nomination_id).status}

    back = _back(nomination.campaign_id)
    return act(principal, {"n": nomination_id}, produce, back, _("You declined the nomination."))


@bp.route("/me/nominations/<int:nomination_id>/objection", methods=["POST"])
@villager_required
def my_objection(principal, nomination_id: int):
    nomination = service.find_nomination(nomination_id)
    _campaign(principal, nomination.campaign_id)
    back = _back(nomination.campaign_id)
    values, errors = parse_form(ObjectionForm())
    if errors:
        return refuse_form(errors, back)

    def produce() -> dict:
        return {
            "id": conferral.raise_objection(principal, nomination_id, reason=values["reason"]).id
        }

    done = _("Your objection is filed. The village committee will look at it and decide.")
    return act(principal, {"n": nomination_id, **values}, produce, back, done)


@bp.context_processor
def signed_in_household():
    """The villager layout asks which household is signed in (as the villagers' pages do)."""
    return {"villager_principal": villager_page_principal}
