"""Pages: the counter, receipts and voids. (Goods and stock: ``goods``; shops, counter
settings and settlement statements: ``office``.)

The counter, for a shopkeeper on a phone or a PC with a USB scanner:

1. ``GET /shops/<id>/counter``: scan the card with the camera (``card-scanner.js``) or let the
   USB scanner type the card's URL or short code into the field, then Enter.
2. ``POST /shops/<id>/counter/card``: the household's number, head and balance, and the goods
   with large + and - buttons; the total and the balance after update as goods are picked
   (``counter.js``; without JavaScript the number fields work and the server adds up).
3. ``POST /shops/<id>/counter/sale``: sells once per form key (a double tap or a resent form
   gets the first sale's receipt), then shows the printable receipt with the balance after.
   The form carries the price it showed of each of the goods (``price-<id>``): a price
   changed since is refused (``price_changed``), never charged unseen.
   A refusal (not enough points, out of stock, card replaced, PIN, a price changed) shows the
   same page again with the reason in large type and today's prices; nothing of the refused
   sale is kept.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from ...accounts.auth import login_required, page_principal
from ...errors import Problem, ValidationFailed
from ...forms import REQUIRED, act, act_on_page, form_id, parse_form, whole_number
from ...ledger.errors import AccountClosed
from ...periods import day_from_text, local_today
from ...text import Text
from ...villages.service import find_village
from .. import customers, goods, receipts, sales, voids
from ..pins import Pin
from .blueprint import bp


class CardForm(Schema):
    card = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 300))


class SaleForm(CardForm):
    pin = Pin(load_default=None)


class VoidForm(Schema):
    reason = Text(load_default=None, validate=validate.Length(max=200))


@bp.route("/counter")
@login_required
def counter_home():
    """A shopkeeper goes straight to the counter; admins pick a shop."""
    actor = page_principal()
    shops = goods.shops_for(actor)
    kept = [shop for shop in shops if goods.keeps_shop(actor, shop)]
    if len(kept) == 1 and len(shops) == 1:
        return redirect(url_for("counter_pages.counter", shop_id=kept[0].id))
    return render_template("counter/shops.html", shops=shops, actor=actor)


@bp.route("/shops/<int:shop_id>/counter")
@login_required
def counter(shop_id: int):
    shop = goods.find_shop(shop_id)
    customers.require_seller(page_principal(), shop)
    return render_template("counter/scan.html", shop=shop, errors={}, card="")


@bp.route("/shops/<int:shop_id>/counter/card", methods=["POST"])
@login_required
def counter_card(shop_id: int):
    """After a scan: who the card belongs to, and the goods to pick."""
    actor = page_principal()
    shop = goods.find_shop(shop_id)
    customers.require_seller(actor, shop)
    values, errors = parse_form(CardForm())
    card = request.form.get("card", "").strip()
    if errors:
        return render_template("counter/scan.html", shop=shop, errors=errors, card=card), 422
    return _scanned(shop, values["card"], card)


@bp.route("/shops/<int:shop_id>/counter/pick")
@login_required
def counter_pick(shop_id: int):
    """The pick page of the card scanned last at this shop, by GET: the address the pick page
    gives itself (``history.replaceState``), so that Back to it, or a reload, after a lost
    connection asks again rather than re-sending the scan's form."""
    shop = goods.find_shop(shop_id)
    customers.require_seller(page_principal(), shop)
    scanned = session.get(_SCANNED)
    if not scanned or scanned.get("shop") != shop.id:
        return redirect(url_for("counter_pages.counter", shop_id=shop.id))
    return _scanned(shop, scanned["card"], scanned["card"])


_SCANNED = "counter_scanned"


def _scanned(shop, card_token: str, card: str):
    try:
        customer = customers.find_customer(shop, card_token=card_token)
        if customer.status != "active":
            raise AccountClosed()
    except Problem as problem:  # a read refused: nothing to roll back
        page = render_template(
            "counter/scan.html", shop=shop, problem=problem, errors={}, card=card
        )
        return page, problem.status
    session[_SCANNED] = {"shop": shop.id, "card": card_token}
    return _pick_page(shop, customer, card)


def _pick_page(shop, customer, card: str, *, problem=None, quantities=None, status=200):
    village = find_village(shop.village_id)
    offered = goods.list_products(page_principal(), shop.id, active_only=True)
    return (
        render_template(
            "counter/pick.html",
            shop=shop,
            customer=customer,
            card=card,
            products=offered,
            quantities=quantities or {},
            pin_required_above=village.pin_required_above,
            problem=problem,
        ),
        status,
    )


def _quantities_from_form() -> dict[int, int]:
    """``qty-<product id>`` fields -> {product id: quantity} for quantities above zero."""
    picked = {}
    for name, value in request.form.items():
        product_id = form_id(name[4:]) if name.startswith("qty-") else None
        if product_id is not None:
            quantity = whole_number(value or "0")
            if quantity is None:
                quantity = -1
            if quantity != 0:
                picked[product_id] = quantity
    return picked


def _prices_from_form(picked: dict[int, int]) -> dict[int, int]:
    """``price-<product id>`` fields -> {product id: the price the page showed}, for the goods
    picked (a field that is no whole number is left out: today's price is then charged)."""
    shown = {}
    for product_id in picked:
        price = whole_number(request.form.get(f"price-{product_id}", ""))
        if price is not None:
            shown[product_id] = price
    return shown


@bp.route("/shops/<int:shop_id>/counter/sale", methods=["POST"])
@login_required
def counter_sale(shop_id: int):
    actor = page_principal()
    shop = goods.find_shop(shop_id)
    customers.require_seller(actor, shop)
    values, errors = parse_form(SaleForm())
    card = request.form.get("card", "").strip()
    if "card" in errors:
        return render_template("counter/scan.html", shop=shop, errors=errors, card=card), 422
    picked = _quantities_from_form()
    items = [{"product_id": pid, "quantity": qty} for pid, qty in sorted(picked.items())]
    shown = _prices_from_form(picked)

    def produce() -> dict:
        if errors:  # a malformed PIN: refused like a wrong one, without counting it
            raise ValidationFailed(errors=errors)
        pin = values.get("pin")
        token = values["card"]
        sale = sales.redeem_items(
            actor, shop_id=shop.id, card_token=token, items=items, pin=pin, prices_shown=shown
        )
        return {"redemption_id": sale.id}

    def refused(problem: Problem, _status: int):
        return _refused(shop, card, picked, problem)

    payload = {
        "shop_id": shop.id,
        "card": values.get("card", card),
        "items": items,
        "prices": sorted(shown.items()),
    }
    return act_on_page(actor, payload, produce, refused, _sold, errors=lambda problem: problem)


def _sold(result: dict):
    flash(_("Done: the goods are exchanged."), "success")
    return redirect(url_for("counter_pages.receipt", redemption_id=result["redemption_id"]), 303)


def _refused(shop, card: str, picked: dict[int, int], problem: Problem):
    """The counter's one page-error path (the sale's writes already rolled back): the scan
    page (a card refused) or the pick page again with the refusal and the quantities picked."""
    if problem.code in ("card_revoked", "card_not_found", "card_code_mistyped"):
        page = render_template("counter/scan.html", shop=shop, problem=problem, errors={}, card="")
        return page, problem.status
    try:
        customer = customers.find_customer(shop, card_token=card)
    except Problem:
        page = render_template("counter/scan.html", shop=shop, problem=problem, errors={}, card="")
        return page, problem.status
    status = problem.status if problem.status >= 400 else 409
    return _pick_page(shop, customer, card, problem=problem, quantities=picked, status=status)


# --- receipts and voids ----------------------------------------------------------------------


@bp.route("/redemptions/<int:redemption_id>/receipt")
@login_required
def receipt(redemption_id: int):
    actor = page_principal()
    view = receipts.get_redemption(actor, redemption_id)
    village = find_village(view.shop.village_id)
    zone = ZoneInfo(village.timezone)
    return render_template(
        "counter/receipt.html",
        sale=view,
        village=village,
        local_time=view.created_at.astimezone(zone),
        made_time=view.made_at.astimezone(zone) if view.made_at else None,
        voided_time=view.voided_at.astimezone(zone) if view.voided_at else None,
        can_void=voids.can_void(actor, view, village.timezone),
        keeps_shop=goods.keeps_shop(actor, view.shop),
    )


@bp.route("/redemptions/<int:redemption_id>/void", methods=["POST"])
@login_required
def void(redemption_id: int):
    actor = page_principal()
    values, errors = parse_form(VoidForm())
    if errors:
        abort(422)
    return act(
        actor,
        {"redemption_id": redemption_id, "reason": values.get("reason")},
        lambda: {
            "voided": voids.void_redemption(actor, redemption_id, reason=values.get("reason")).id
        },
        url_for("counter_pages.receipt", redemption_id=redemption_id),
        _("The sale is voided: the points are back and the goods on the shelf."),
    )


@bp.route("/shops/<int:shop_id>/sales")
@login_required
def day_sales(shop_id: int):
    """A day's sales at the shop, to find one to void or reprint: today by default, and when
    ``?day=`` names no day the app reckons with (``periods.day_from_text``)."""
    actor = page_principal()
    shop = goods.find_shop(shop_id)
    village = find_village(shop.village_id)
    zone = ZoneInfo(village.timezone)
    today = local_today(village.timezone)
    day = day_from_text(request.args.get("day")) or today
    views = receipts.sales_of_day(actor, shop_id, day)
    live = [v for v in views if not v.voided]
    return render_template(
        "counter/sales.html",
        shop=shop,
        day=day,
        previous_day=day - dt.timedelta(days=1),
        next_day=day + dt.timedelta(days=1) if day < today else None,
        sales=views,
        total=sum(v.total_points for v in live),
        zone=zone,
    )
