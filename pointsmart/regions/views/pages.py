"""The tree's pages: the regions a person follows, and a region's page with its townships and
villages; on a county's page its admins add townships, villages and village admins.

Anyone not signed in goes to the sign-in page; the service refuses everyone else (403).
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from ...accounts.auth import login_required, page_principal
from ...forms import done, submit
from .. import access, service
from ..models import COUNTY, TOWNSHIP
from ..schemas import LevelsForm, TownshipForm, VillageAdminForm, VillageForm
from .blueprint import bp


@bp.route("")
@login_required
def home():
    """The counties and townships of the signed-in person's roles."""
    actor = page_principal()
    service.require_region_staff(actor)
    return render_template("regions/home.html", regions=service.home_regions(actor))


# Each form's fields have ids of their own on the page (two forms have a ``name``).
FIELD_IDS = {
    "township": {"name": "township-name"},
    "village": {"name": "village-name", "region_id": "village-township"},
    "levels": {
        "top3_share_limit": "levels-top3",
        "reversal_rate_limit": "levels-reversals",
    },
    "admin": {
        "village_id": "admin-village",
        "username": "admin-username",
        "display_name": "admin-display-name",
        "password": "admin-password",
    },
}


def _region_page(region_id: int, *, form: str = "", values=None, errors=None, status=200):
    actor = page_principal()
    region = service.get_region(actor, region_id)
    townships = service.townships_of(region)
    villages = service.villages_of(region, townships)
    township_names = {t.id: t.name for t in townships} or {region.id: region.name}
    parent = access.find_region(region.parent_id) if region.parent_id else None
    return (
        render_template(
            "regions/region.html",
            region=region,
            parent=parent,
            crumbs=[parent] if parent and access.may_read(actor, parent) else [],
            townships=townships,
            villages=villages,
            township_names=township_names,
            township_options=[(t.id, t.name) for t in townships],
            village_options=[(v.id, v.name) for v in villages],
            may_manage=region.level == COUNTY and access.may_manage(actor, region),
            form=form,
            values=values or {},
            errors={FIELD_IDS.get(form, {}).get(k, k): v for k, v in (errors or {}).items()},
            COUNTY=COUNTY,
            TOWNSHIP=TOWNSHIP,
        ),
        status,
    )


@bp.route("/<int:region_id>")
@login_required
def region(region_id: int):
    return _region_page(region_id)


def _submit(region_id: int, form: str, schema, make):
    def page(errors):
        shown = request.form.to_dict()
        shown.pop("password", None)
        return _region_page(region_id, form=form, values=shown, errors=errors, status=422)

    return submit(schema, make, page)


@bp.route("/<int:region_id>/townships", methods=["POST"])
@login_required
def create_township(region_id: int):
    def make(values):
        township = service.create_region(
            page_principal(), name=values["name"], level=TOWNSHIP, parent_id=region_id
        )
        return done(
            _("Township %(name)s created.", name=township.name),
            "regions_pages.region",
            region_id=region_id,
        )

    return _submit(region_id, "township", TownshipForm(), make)


@bp.route("/<int:region_id>/villages", methods=["POST"])
@login_required
def create_village(region_id: int):
    def make(values):
        village = service.create_village_under(page_principal(), region_id, **values)
        return done(
            _("Village %(name)s created.", name=village.name),
            "regions_pages.region",
            region_id=region_id,
        )

    return _submit(region_id, "village", VillageForm(), make)


@bp.route("/<int:region_id>/village-admins", methods=["POST"])
@login_required
def create_village_admin(region_id: int):
    def make(values):
        made = service.create_village_admin_under(page_principal(), region_id, **values)
        return done(
            _(
                "User %(name)s administers %(village)s.",
                name=made.user.username,
                village=made.village.name,
            ),
            "regions_pages.region",
            region_id=region_id,
        )

    return _submit(region_id, "admin", VillageAdminForm(), make)


@bp.route("/<int:region_id>/levels", methods=["POST"])
@login_required
def set_levels(region_id: int):
    def make(values):
        service.set_levels(page_principal(), region_id, **values)
        return done(_("Levels saved."), "regions_pages.region", region_id=region_id)

    return _submit(region_id, "levels", LevelsForm(), make)
