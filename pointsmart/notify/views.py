"""Pages: the committee's text-message page (admins) and the household's stop on ``/me``.

* ``/admin/villages/<id>/sms``: whether the provider is set up, the month's count against the
  cap, the outbox, the consents; forms to set the cap, record a consent and stop one.
* ``POST /me/sms/stop``: the signed-in household stops its texts.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from ..accounts.auth import login_required, page_principal
from ..forms import REQUIRED, WHOLE, done, submit
from ..text import HouseholdNumber
from ..villagers.views import villager_required
from ..villages.service import administered_village
from . import service
from .models import SmsConsent

bp = Blueprint("notify", __name__, template_folder="templates")


class CapForm(Schema):
    monthly_cap = fields.Int(required=True, error_messages=WHOLE)


class ConsentForm(Schema):
    number = HouseholdNumber(
        required=True, error_messages=REQUIRED, validate=validate.Length(1, 32)
    )
    phone = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 40))


def sms_consent_of(household_id: int) -> SmsConsent | None:
    """For templates (``/me``): the household's consent, if any."""
    return service.consent_of(household_id)


def _page(village_id: int, *, errors=None, values=None, status=200):
    actor = page_principal()
    overview = service.overview(actor, village_id)
    return (
        render_template(
            "notify/admin.html",
            village=administered_village(actor, village_id),
            overview=overview,
            errors=errors or {},
            values=values or {},
        ),
        status,
    )


@bp.route("/admin/villages/<int:village_id>/sms")
@login_required
def admin_page(village_id: int):
    return _page(village_id)


@bp.route("/admin/villages/<int:village_id>/sms/cap", methods=["POST"])
@login_required
def save_cap(village_id: int):
    def make(values):
        service.set_monthly_cap(page_principal(), village_id, values["monthly_cap"])
        return done(_("The monthly cap is saved."), "notify.admin_page", village_id=village_id)

    return submit(CapForm(), make, lambda errors: _page(village_id, errors=errors, status=422))


@bp.route("/admin/villages/<int:village_id>/sms/consents", methods=["POST"])
@login_required
def add_consent(village_id: int):
    def make(values):
        actor = page_principal()
        household_id = service.household_by_number(actor, village_id, values["number"])
        service.record_consent(actor, household_id, phone=values["phone"])
        return done(_("The consent is recorded."), "notify.admin_page", village_id=village_id)

    def page(errors):
        return _page(village_id, errors=errors, values=request.form.to_dict(), status=422)

    return submit(ConsentForm(), make, page)


@bp.route("/admin/villages/<int:village_id>/sms/consents/<int:household_id>/stop", methods=["POST"])
@login_required
def stop_consent(village_id: int, household_id: int):
    service.stop(page_principal(), household_id)
    flash(_("The texts to this household are stopped."), "success")
    return redirect(url_for("notify.admin_page", village_id=village_id), 303)


@bp.route("/me/sms/stop", methods=["POST"])
@villager_required
def me_stop(principal):
    service.stop(principal, principal.household_id)
    flash(_("We will send you no more text messages."), "success")
    return redirect(url_for("villagers.home"), 303)
