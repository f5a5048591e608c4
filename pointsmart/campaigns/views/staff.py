"""Pages for leaders, grid workers and the committee: the village's campaigns, setting one
up (admins), nominating (leaders and admins), the council's votes, publishing, objections,
conferral, the printable notice (公示) and the certificates (奖状)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ...accounts.auth import Principal, login_required, page_principal, villager_page_principal
from ...counter.photos import MAX_BYTES
from ...forms import REQUIRED_NUMBER as REQUIRED
from ...forms import act, form_ids, parse_form, refuse_form, run_once, submit
from ...periods import local_today
from ...schemas import A_DAY_OF_THE_CALENDAR as DAY
from ...schemas import MAX_ID
from ...text import HouseholdNumber, Name, Text
from ...villages.service import find_village
from .. import choices, conferral, review, scope, service
from ..models import TIE_BREAKS
from ..pdf import certificates_pdf, notice_pdf
from ..present import campaign_view
from . import bp

UPLOAD_ENDPOINTS = {"campaigns_pages.nominate", "campaigns_pages.my_nomination"}


@bp.url_value_preprocessor
def allow_photo_uploads(endpoint, values):
    """The nomination form takes a photo: a larger body there only."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = MAX_BYTES * 2


class CampaignCommonForm(Schema):
    title = Name(required=True, error_messages=REQUIRED, validate=validate.Length(1, 50))
    seats = fields.Int(required=True, error_messages=REQUIRED, validate=validate.Range(1, 1000))
    nominate_from = fields.Date(required=True, error_messages=REQUIRED, validate=DAY)
    nominate_until = fields.Date(required=True, error_messages=REQUIRED, validate=DAY)
    review_until = fields.Date(required=True, error_messages=REQUIRED, validate=DAY)
    notice_days = fields.Int(required=True, error_messages=REQUIRED, validate=validate.Range(0, 60))
    quorum = fields.Int(required=True, error_messages=REQUIRED, validate=validate.Range(1, 1000))
    tie_break = fields.Str(load_default="beans", validate=validate.OneOf(TIE_BREAKS))
    villagers_nominate = fields.Bool(load_default=False)
    bean_votes = fields.Int(load_default=0, validate=validate.Range(0, 100))


# The set-up form's fields that show their own errors (campaigns/_setup.html); a refusal of
# any other (the tie-break, the region's villages) is said at the top of the form.
SETUP_FIELDS = frozenset(
    {"title", "seats", "nominate_from", "nominate_until", "review_until", "notice_days",
     "council", "council_villagers", "quorum", "bean_votes", "rule_id", "points"}
)  # fmt: skip


NO_RULE = _l("Choose a rule.")


class CampaignForm(CampaignCommonForm):
    rule_id = fields.Int(
        required=True, error_messages=REQUIRED, validate=validate.Range(1, MAX_ID, error=NO_RULE)
    )


class NominationForm(Schema):
    household_number = HouseholdNumber(
        required=True, error_messages=REQUIRED, validate=validate.Length(1, 32)
    )
    reason = Text(required=True, error_messages=REQUIRED, validate=validate.Length(1, 500))


class VoteForm(Schema):
    decision = fields.Str(required=True, validate=validate.OneOf(("approve", "reject")))
    note = Text(load_default="", validate=validate.Length(max=500))


class DecisionForm(Schema):
    decision = fields.Str(required=True, validate=validate.OneOf(("uphold", "dismiss")))
    reason = Text(required=True, error_messages=REQUIRED, validate=validate.Length(1, 500))


def _staff_village(village_id: int) -> tuple[Principal, object]:
    actor = page_principal()
    village = find_village(village_id)
    actor.require_awarder(village_id)
    return actor, village


def _campaign_of_staff(campaign_id: int):
    actor = page_principal()
    campaign = service.find_campaign(campaign_id)
    scope.require_staff_page(actor, campaign)
    return actor, campaign


def _back(campaign_id: int) -> str:
    return url_for("campaigns_pages.campaign", campaign_id=campaign_id)


@bp.route("/leader/<int:village_id>/campaigns", methods=["GET", "POST"])
@login_required
def campaign_list(village_id: int):
    """The village's campaigns; admins set up a new one here."""
    actor, village = _staff_village(village_id)
    if request.method == "GET":
        return _campaign_list_page(actor, village)
    actor.require_admin(village_id)
    council = form_ids("council")
    villagers = request.form.get("council_villagers", "")

    def make(values):
        def produce() -> dict:
            numbers = choices.households_by_numbers(village_id, villagers)
            members = [{"household_id": household_id} for household_id in numbers]
            campaign = service.create_campaign(
                actor, village_id, **values, council=council, council_members=members
            )
            return {"id": campaign.id}

        payload = {**values, "council": council, "council_villagers": villagers}
        return redirect(_back(run_once(actor, payload, produce)["id"]), 303)

    page = functools.partial(_campaign_list_page, actor, village)
    return submit(CampaignForm(), make, page, fields=SETUP_FIELDS)


def _campaign_list_page(actor: Principal, village, errors=None):
    """The list, with the set-up form for admins (again with its errors after a POST: 422)."""
    is_admin = actor.is_admin_of(village.id)
    return render_template(
        "campaigns/list.html",
        village=village,
        campaigns=service.campaigns_of(actor, village.id),
        is_admin=is_admin,
        rules=choices.award_rules(actor, village.id) if is_admin else [],
        staff=choices.council_choices(village.id) if is_admin else [],
        errors=errors or {},
        form=request.form,
        today=local_today(village.timezone),
    ), (422 if errors else 200)


@bp.route("/leader/campaigns/<int:campaign_id>", methods=["GET"])
@login_required
def campaign(campaign_id: int):
    """One campaign: nominees, the council's votes, and what the signed-in person may do."""
    actor, campaign = _campaign_of_staff(campaign_id)
    view = campaign_view(actor, campaign)
    is_admin = scope.may_run(actor, campaign)
    objections = conferral.objections_of(actor, campaign_id) if is_admin else []
    return render_template(
        "campaigns/campaign.html",
        village=find_village(scope.home_village(actor, campaign)),
        campaign=view,
        is_admin=is_admin,
        may_nominate=bool(scope.awarder_villages(actor, campaign)),
        objections=objections,
        names=choices.households_named({o.household_id for o in objections}),
        member=review.member_for(actor, campaign_id),
    )


@bp.route("/leader/campaigns/<int:campaign_id>/nominations", methods=["POST"])
@login_required
def nominate(campaign_id: int):
    actor, campaign = _campaign_of_staff(campaign_id)
    return nominate_by_form(
        actor, campaign_id, _back(campaign_id), lambda: scope.home_village(actor, campaign)
    )


def nominate_by_form(actor: Principal, campaign_id: int, back: str, village_id: Callable[[], int]):
    """A nomination sent from a campaign's page, by a leader or a villager: the household by
    its number in the village ``village_id()`` names, the reason and an optional photo; then
    back to ``back`` with what became of it."""
    values, errors = parse_form(NominationForm())
    if errors:
        return refuse_form(errors, back)
    upload = request.files.get("photo")
    photo = upload.read() if upload and upload.filename else None

    def produce() -> dict:
        household_id = choices.household_by_number(village_id(), values["household_number"])
        nomination = service.nominate(
            actor, campaign_id, household_id=household_id, reason=values["reason"], photo=photo
        )
        return {"id": nomination.id}

    return act(actor, values, produce, back, _("The household is nominated."))


@bp.route("/leader/nominations/<int:nomination_id>/vote", methods=["POST"])
@login_required
def vote(nomination_id: int):
    nomination = service.find_nomination(nomination_id)
    return vote_by_form(page_principal(), nomination_id, _back(nomination.campaign_id))


def vote_by_form(actor: Principal, nomination_id: int, back: str):
    """A council member's vote sent from a campaign's page, by a leader or a villager; then
    back to ``back``, with what was wrong if the form did not parse (a note with a hidden
    character pasted from a chat)."""
    values, errors = parse_form(VoteForm())
    if errors:
        return refuse_form(errors, back)
    approve = values["decision"] == "approve"

    def produce() -> dict:
        return {
            "id": review.cast_vote(actor, nomination_id, approve=approve, note=values["note"]).id
        }

    return act(actor, {"n": nomination_id, **values}, produce, back, _("Your vote is recorded."))


@bp.route("/leader/nominations/<int:nomination_id>/decline", methods=["POST"])
@login_required
def decline(nomination_id: int):
    """An admin records that the household declined its nomination."""
    actor = page_principal()
    nomination = service.find_nomination(nomination_id)

    def produce() -> dict:
        return {"status": service.decline(actor, nomination_id).status}

    back = _back(nomination.campaign_id)
    return act(actor, {"n": nomination_id}, produce, back, _("The nomination is withdrawn."))


@bp.route("/leader/campaigns/<int:campaign_id>/publish", methods=["POST"])
@login_required
def publish(campaign_id: int):
    actor = page_principal()
    done = _("The result is published; the public notice (公示) has begun.")
    return act(
        actor,
        {"publish": campaign_id},
        lambda: {"id": review.publish(actor, campaign_id).id},
        _back(campaign_id),
        done,
    )


@bp.route("/leader/campaigns/<int:campaign_id>/confer", methods=["POST"])
@login_required
def confer(campaign_id: int):
    actor = page_principal()

    def produce() -> dict:
        return {"posted": conferral.confer(actor, campaign_id)[1]}

    done = _("Conferred: the winners hold the title and got their points.")
    return act(actor, {"confer": campaign_id}, produce, _back(campaign_id), done)


@bp.route("/leader/campaign-objections/<int:campaign_objection_id>", methods=["POST"])
@login_required
def decide_objection(campaign_objection_id: int):
    actor = page_principal()
    values, errors = parse_form(DecisionForm())
    objection_id = campaign_objection_id
    objection = conferral.find_objection(objection_id)
    back = _back(service.find_nomination(objection.nomination_id).campaign_id)
    if errors:
        return refuse_form(errors, back)
    uphold = values["decision"] == "uphold"

    def produce() -> dict:
        decided = conferral.decide_objection(
            actor, objection_id, uphold=uphold, reason=values["reason"]
        )
        return {"status": decided.status}

    done = _("Upheld: the nominee is removed.") if uphold else _("Dismissed: the nominee stays.")
    return act(actor, {"o": objection_id, **values}, produce, back, done)


@bp.route("/leader/campaigns/<int:campaign_id>/notice.pdf", methods=["GET"])
@login_required
def notice(campaign_id: int):
    """The printable A4 notice (公示) with the council's tallies, once published."""
    _actor, campaign = _campaign_of_staff(campaign_id)
    if campaign.published_at is None:
        abort(404)
    village = scope.issuer(campaign) or find_village(campaign.village_id)
    data = notice_pdf(village, campaign_view(None, campaign))
    return Response(data, mimetype="application/pdf")


@bp.route("/leader/campaigns/<int:campaign_id>/certificates.pdf", methods=["GET"])
@login_required
def certificates(campaign_id: int):
    """One certificate (奖状) a page for each winner, once conferred (admins)."""
    actor = page_principal()
    campaign = service.find_campaign(campaign_id)
    scope.require_runner(actor, campaign)
    if campaign.conferred_at is None:
        abort(404)
    region = scope.issuer(campaign)
    village = region or find_village(campaign.village_id)
    names = conferral.honour_names(campaign.id)
    data = certificates_pdf(village, campaign, names, signed_by=region.name if region else None)
    return Response(data, mimetype="application/pdf")


@bp.route("/campaign-photos/<int:nomination_id>", methods=["GET"])
def photo(nomination_id: int):
    """A nominee's photo, for staff and households of the village."""
    path = service.readable_photo(page_principal() or villager_page_principal(), nomination_id)
    if path is None:
        abort(404)
    response = Response(path.read_bytes(), mimetype="image/jpeg")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
