"""Pages: the shop's "needs attention" list and the committee's reconciliation.

* ``GET /shops/<id>/needs-attention``: the shop's offline sales the server refused at sync,
  with the household, the goods and the reason (the keeper and the village's admins).
* ``GET /villages/<id>/reconciliation``: every shop's, for the committee, each with two
  buttons: charge the household (an offline shortfall) or write it off (the village pays).
* ``POST /offline-sales/<id>/resolve``: one of the two, once per form key.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ...accounts.auth import login_required, page_principal
from ...extensions import db
from ...forms import act, parse_form, refuse_form
from ...text import Text
from ...villages.models import Village
from .. import goods
from . import reconcile

bp = Blueprint("offline_pages", __name__, template_folder="templates")

REASON_WORDS = {
    "insufficient_points": _l("Not enough points when it reached us"),
    "card_revoked": _l("The card had been replaced"),
    "card_not_found": _l("The card is unknown"),
    "card_code_mistyped": _l("The card code is mistyped"),
    "card_of_another_village": _l("A card of another village"),
    "account_closed": _l("The household has moved away"),
    "account_not_found": _l("The household has no account"),
    "out_of_stock": _l("The goods had run out"),
    "product_inactive": _l("The goods are no longer offered"),
    "shop_closed": _l("The shop is closed"),
    "pin_required": _l("A sale of this size needs the PIN"),
    "pin_not_set": _l("A sale of this size needs the PIN"),
    "pin_wrong": _l("A sale of this size needs the PIN"),
    "pin_locked": _l("A sale of this size needs the PIN"),
    "offline_limit_exceeded": _l("More than the offline limit for the day"),
    "offline_sales_off": _l("Offline sales are turned off"),
}


class ResolveForm(Schema):
    resolution = fields.Str(required=True, validate=validate.OneOf(reconcile.RESOLUTIONS))
    memo = Text(load_default=None, validate=validate.Length(max=200))


def _zone(village_id: int) -> ZoneInfo:
    return ZoneInfo(db.session.get(Village, village_id).timezone)


@bp.route("/shops/<int:shop_id>/needs-attention")
@login_required
def needs_attention(shop_id: int):
    actor = page_principal()
    shop = goods.find_shop(shop_id)
    items = reconcile.needs_attention(actor, shop_id)
    return render_template(
        "offline/needs_attention.html",
        shop=shop,
        items=items,
        zone=_zone(shop.village_id),
        reasons=REASON_WORDS,
    )


@bp.route("/villages/<int:village_id>/reconciliation")
@login_required
def reconciliation(village_id: int):
    actor = page_principal()
    items = reconcile.reconciliation(actor, village_id)
    return render_template(
        "offline/reconciliation.html",
        village=db.session.get(Village, village_id),
        items=items,
        resolved=reconcile.recently_resolved(actor, village_id),
        zone=_zone(village_id),
        reasons=REASON_WORDS,
    )


@bp.route("/offline-sales/<int:offline_sale_id>/resolve", methods=["POST"])
@login_required
def resolve(offline_sale_id: int):
    actor = page_principal()
    sale_id = offline_sale_id
    sale = reconcile.find_offline_sale(actor, sale_id)
    values, errors = parse_form(ResolveForm())
    back = url_for("offline_pages.reconciliation", village_id=sale.village_id)
    if errors:
        return refuse_form(errors, back)
    return act(
        actor,
        {"sale_id": sale_id, **values},
        lambda: {
            "status": reconcile.resolve(
                actor, sale_id, values["resolution"], memo=values.get("memo")
            ).status
        },
        back,
        _("Charged to the household: the shop is paid.")
        if values["resolution"] == "shortfall"
        else _("Written off: the village pays the shop."),
    )
