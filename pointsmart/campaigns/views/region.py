"""The page of a township's or county's campaigns: its admins list them and set one up."""

from __future__ import annotations

from flask import redirect, render_template, request
from marshmallow import fields, validate

from ...accounts.auth import login_required, page_principal
from ...forms import REQUIRED_NUMBER as REQUIRED
from ...forms import form_ids, run_once, submit
from ...periods import local_today
from ...villages.service import find_village
from .. import choices, regional, scope
from . import bp
from .staff import SETUP_FIELDS, CampaignCommonForm, _back


class RegionCampaignForm(CampaignCommonForm):
    points = fields.Int(
        required=True, error_messages=REQUIRED, validate=validate.Range(1, 1_000_000)
    )


@bp.route("/regions/<int:region_id>/campaigns", methods=["GET", "POST"])
@login_required
def region_campaigns(region_id: int):
    """The region's campaigns; its admins set up a new one, open to every village under it."""
    actor = page_principal()
    campaigns = regional.campaigns_of_region(actor, region_id)  # refuses all but its admins
    region = regional.region_access.find_region(region_id)

    def page(errors=None):
        return _region_page(region, campaigns, errors), (422 if errors else 200)

    if request.method == "GET":
        return page()
    council = form_ids("council")

    def make(values):
        def produce() -> dict:
            campaign = regional.create_region_campaign(actor, region_id, **values, council=council)
            return {"id": campaign.id}

        result = run_once(actor, {**values, "council": council}, produce)
        return redirect(_back(result["id"]), 303)

    return submit(RegionCampaignForm(), make, page, fields=SETUP_FIELDS)


def _region_page(region, campaigns, errors) -> str:
    """The list and the set-up form; dates are the villages' (the first one's time zone)."""
    village_ids = scope.region_village_ids(region)
    timezone = find_village(village_ids[0]).timezone if village_ids else "Asia/Shanghai"
    return render_template(
        "campaigns/region_list.html",
        region=region,
        campaigns=campaigns,
        staff=choices.region_council_choices(village_ids, scope.related_regions(region)),
        errors=errors or {},
        form=request.form,
        today=local_today(timezone),
    )
