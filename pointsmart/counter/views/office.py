"""Pages for the village office: shops, counter settings, household PINs and the monthly
settlement statement a shopkeeper signs (routes on ``views.bp``)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ...accounts.auth import login_required, page_principal
from ...errors import Forbidden, ValidationFailed
from ...forms import REQUIRED, act, done, submit
from ...households import service as household_service
from ...periods import checked_period, current_period, neighbour_months, previous_period
from ...text import HouseholdNumber, Name
from ...villages import service as village_service
from .. import goods, pins, settlement
from ..pins import Pin
from .blueprint import bp

OFFICE = "counter_pages.village_office"


class ShopForm(Schema):
    name = Name(required=True, error_messages=REQUIRED, validate=validate.Length(1, 100))


class ThresholdForm(Schema):
    pin_required_above = fields.Int(
        load_default=None,
        error_messages={"invalid": _l("Write a whole number.")},
        validate=validate.Range(0, 1_000_000, error=_l("0 or more points.")),
    )


class PinForm(Schema):
    number = HouseholdNumber(
        required=True, error_messages=REQUIRED, validate=validate.Length(1, 32)
    )
    pin = Pin(required=True, error_messages=REQUIRED)


def _office_page(village_id: int, *, errors=None, status=200):
    actor = page_principal()
    actor.require_admin(village_id)
    village = village_service.find_village(village_id)
    shops = goods.list_shops(actor, village_id)
    return (
        render_template(
            "counter/office.html",
            village=village,
            shops=shops,
            errors=errors or {},
            last_month=previous_period(current_period(village.timezone)),
        ),
        status,
    )


@bp.route("/shops")
@login_required
def shops_office():
    """Admins: the villages they run; one village goes straight to its page."""
    villages = village_service.administered_villages(page_principal())
    if not villages:
        raise Forbidden(_l("Only an administrator of this village may do this."))
    if len(villages) == 1:
        return redirect(url_for("counter_pages.village_office", village_id=villages[0].id))
    return render_template("counter/villages.html", villages=villages)


@bp.route("/villages/<int:village_id>/shops")
@login_required
def village_office(village_id: int):
    """Shops of a village, the counter's PIN rule and the households' PINs."""
    return _office_page(village_id)


@bp.route("/villages/<int:village_id>/shops", methods=["POST"])
@login_required
def add_shop(village_id: int):
    actor = page_principal()

    def make(values):
        goods.create_shop(actor, village_id, **values)
        message = _("Shop %(name)s opened.", name=values["name"])
        return done(message, OFFICE, village_id=village_id)

    return submit(ShopForm(), make, _office_page_again(village_id), at="name", fields=())


@bp.route("/villages/<int:village_id>/counter-settings", methods=["POST"])
@login_required
def counter_settings(village_id: int):
    def make(values):
        pins.set_pin_threshold(page_principal(), village_id, values["pin_required_above"])
        return done(_("Saved."), OFFICE, village_id=village_id)

    return submit(ThresholdForm(), make, _office_page_again(village_id), at="pin_required_above")


@bp.route("/villages/<int:village_id>/pins", methods=["POST"])
@login_required
def household_pin(village_id: int):
    """Set or reset a household's PIN by its number (the villager chooses it at the office)."""
    actor = page_principal()

    def make(values):
        household_id = household_service.household_id_by_number(village_id, values["number"])
        if household_id is None:
            actor.require_admin(village_id)
            message = _("No household with number %(n)s.", n=values["number"])
            raise ValidationFailed(errors={"number": [message]})
        pins.set_pin(actor, household_id, values["pin"])
        message = _("The PIN of household %(n)s is set.", n=values["number"])
        return done(message, OFFICE, village_id=village_id)

    return submit(PinForm(), make, _office_page_again(village_id), at="pin")


def _office_page_again(village_id: int):
    """The office page again with a form's errors (422)."""
    return lambda errors: _office_page(village_id, errors=errors, status=422)


# --- settlement ------------------------------------------------------------------------------


@bp.route("/shops/<int:shop_id>/settlements")
@login_required
def settlements(shop_id: int):
    """The statement of last month (the one to settle next); ``?period=`` for another."""
    shop = goods.find_shop(shop_id)
    # Refused here as on the statement itself: a redirect would tell anyone that the shop exists.
    goods.require_shop_manager(page_principal(), shop)
    village = village_service.find_village(shop.village_id)
    period = request.args.get("period") or previous_period(current_period(village.timezone))
    checked_period(period)  # not sent on into an address of ours unchecked
    return redirect(url_for("counter_pages.statement", shop_id=shop_id, period=period))


@bp.route("/shops/<int:shop_id>/settlements/<period>")
@login_required
def statement(shop_id: int, period: str):
    """The printable monthly statement: sales, voids, net points, yuan; lines to sign."""
    actor = page_principal()
    month = settlement.month_statement(actor, shop_id, period, with_days=True)
    zone = ZoneInfo(month.village.timezone)
    earlier, later = neighbour_months(period)
    return render_template(
        "counter/statement.html",
        month=month,
        is_admin=actor.is_admin_of(month.shop.village_id),
        settled_time=month.settled_at.astimezone(zone) if month.settled_at else None,
        earlier=earlier,
        later=None if month.open else later,
    )


@bp.route("/shops/<int:shop_id>/settlements/<period>", methods=["POST"])
@login_required
def settle(shop_id: int, period: str):
    actor = page_principal()
    return act(
        actor,
        {"shop_id": shop_id, "period": period},
        lambda: {"transfer_id": settlement.settle_month(actor, shop_id, period).transfer_id},
        url_for("counter_pages.statement", shop_id=shop_id, period=period),
        _("The month is settled."),
    )
