"""JSON API: shops, goods, stock, redemptions, voids and settlements."""

from flask import request
from flask_babel import lazy_gettext as _l

from ..accounts.auth import current_principal
from ..api import Blueprint
from ..errors import PROBLEM_JSON, NotFound
from ..idempotent import idempotent_call
from ..schemas import ProblemSchema
from ..security import upload_response
from . import goods, photos, pins, receipts, sales, settlement, voids
from .errors import PhotoRejected
from .offline import reconcile as offline_reconcile
from .offline import rules as offline_rules
from .offline import sync as offline_sync
from .offline.schemas import OfflineSaleOut
from .schemas import (
    CounterSettingsIn,
    CounterSettingsOut,
    PinIn,
    ProductIn,
    ProductList,
    ProductOut,
    ProductPatch,
    ProductQuery,
    RedemptionIn,
    RedemptionOut,
    SettlementOut,
    ShopIn,
    ShopList,
    ShopOut,
    StockChangeOut,
    StockIn,
    StockMoveList,
    VoidIn,
    VoidOut,
)

blp = Blueprint("counter", __name__, description="Shops, goods, redemptions and settlements")


def _refusals(*cases: tuple[int, str]):
    """Document refusals (problem+json with the stable codes named in ``description``)."""

    def decorate(view):
        for status, description in reversed(cases):
            view = blp.alt_response(
                status, schema=ProblemSchema, content_type=PROBLEM_JSON, description=description
            )(view)
        return view

    return decorate


def _key_header(required: bool) -> dict:
    return {
        "parameters": [
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": required,
                "schema": {"type": "string", "minLength": 1, "maxLength": 64},
            }
        ]
    }


# --- shops -----------------------------------------------------------------------------------


@blp.route("/villages/<int:village_id>/shops", methods=["GET"])
@blp.response(200, ShopList)
def list_shops(village_id):
    """The village's shops (staff of the village)."""
    return {"items": goods.list_shops(current_principal(), village_id), "next_after": None}


@blp.route("/villages/<int:village_id>/shops", methods=["POST"])
@blp.arguments(ShopIn)
@blp.response(201, ShopOut)
def create_shop(data, village_id):
    """Open a shop with its points account (admin of the village)."""
    return goods.create_shop(current_principal(), village_id, **data)


@blp.route("/villages/<int:village_id>/counter-settings", methods=["PUT"])
@blp.arguments(CounterSettingsIn)
@blp.response(200, CounterSettingsOut)
def set_counter_settings(data, village_id):
    """Above how many points a sale needs the household's PIN (null: never), and, when
    given, the village's offline limit (points a household may spend per day at a counter
    without network; 0: no offline sales). Admin."""
    actor = current_principal()
    village = pins.set_pin_threshold(actor, village_id, data["pin_required_above"])
    if "offline_limit" in data:
        village = offline_rules.set_offline_limit(actor, village_id, data["offline_limit"])
    return village


@blp.route("/households/<int:household_id>/pin", methods=["POST"])
@blp.arguments(PinIn)
@blp.response(204)
def set_household_pin(data, household_id):
    """Set or reset the household's 6-digit PIN (admin of its village); unlocks it."""
    pins.set_pin(current_principal(), household_id, data["pin"])


# --- goods and stock -------------------------------------------------------------------------


@blp.route("/shops/<int:shop_id>/products", methods=["GET"])
@blp.arguments(ProductQuery, location="query")
@blp.response(200, ProductList)
def list_products(query, shop_id):
    """The shop's goods with their stock and low-stock warning (staff of the village), in the
    shop's own order (``position``), then by name."""
    products = goods.list_products(
        current_principal(), shop_id, active_only=query["active"] is True
    )
    if query["active"] is False:
        products = [p for p in products if not p.active]
    return {"items": products, "next_after": None}


@blp.route("/shops/<int:shop_id>/products", methods=["POST"])
@blp.arguments(ProductIn)
@blp.response(201, ProductOut)
def create_product(data, shop_id):
    """Add goods (admin of the village, or the shop's keeper); opening stock is a move ``in``."""
    return goods.create_product(current_principal(), shop_id, **data)


@blp.route("/products/<int:product_id>", methods=["PATCH"])
@blp.arguments(ProductPatch)
@blp.response(200, ProductOut)
def update_product(data, product_id):
    """Change name, price, warning level or whether offered. Stock changes by moves only."""
    return goods.update_product(current_principal(), product_id, **data)


@blp.route("/products/<int:product_id>/stock", methods=["POST"])
@blp.arguments(StockIn)
@blp.response(201, StockChangeOut)
@blp.doc(**_key_header(required=False))
def adjust_stock(data, product_id):
    """Goods in (``delta`` > 0) or out (< 0); recorded as a stock move, never below zero.

    An ``Idempotency-Key`` is optional here; with one, a retried request moves stock once.
    """
    actor = current_principal()
    if request.headers.get("Idempotency-Key") is None:
        return goods.adjust_stock(actor, product_id, **data)

    def produce():
        return StockChangeOut().dump(goods.adjust_stock(actor, product_id, **data))

    return idempotent_call(actor, data, produce)


@blp.route("/products/<int:product_id>/stock-moves", methods=["GET"])
@blp.response(200, StockMoveList)
def stock_moves(product_id):
    """The latest 50 stock moves of the goods, newest first."""
    return {"items": goods.stock_history(current_principal(), product_id), "next_after": None}


@blp.route("/products/<int:product_id>/photo", methods=["PUT"])
@blp.response(200, ProductOut)
def upload_photo(product_id):
    """Upload the goods' photo as multipart field ``photo`` (JPEG, PNG, GIF or WebP, 2 MB)."""
    actor = current_principal()
    upload = request.files.get("photo")
    if upload is None:
        raise PhotoRejected(
            errors={"photo": [str(_l("Send the picture as the form field photo."))]}
        )
    try:
        data = upload.stream.read(photos.MAX_BYTES + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file: close it now
    return photos.set_photo(actor, product_id, data)


@blp.route("/products/<int:product_id>/photo", methods=["DELETE"])
@blp.response(204)
def delete_photo(product_id):
    photos.remove_photo(current_principal(), product_id)


@blp.route("/products/<int:product_id>/photo", methods=["GET"])
@blp.doc(security=[])
def get_photo(product_id):
    """The goods' photo (image/jpeg); public, like a shop's shelf."""
    data = photos.photo_bytes(goods.find_product(product_id))
    if data is None:
        raise NotFound()
    return upload_response(
        data,
        "image/jpeg",
        cache_control="public, max-age=3600",
        disposition=f'inline; filename="product-{product_id}.jpg"',
    )


# --- redemptions -----------------------------------------------------------------------------

# Built once (with its nested schemas): a sale is the counter's hot path.
_REDEMPTION_OUT = RedemptionOut()
_OFFLINE_SALE_OUT = OfflineSaleOut()


@blp.route("/redemptions", methods=["POST"])
@blp.arguments(RedemptionIn)
@blp.response(201, RedemptionOut)
@blp.alt_response(
    202,
    schema=OfflineSaleOut,
    description="an offline sale (with made_at) the server refused: kept, nothing posted",
)
@blp.doc(**_key_header(required=True))
@_refusals(
    (403, "wrong_shop, card_of_another_village, pin_required, pin_wrong, forbidden"),
    (404, "card_not_found, not_found"),
    (
        409,
        "insufficient_points, out_of_stock, product_inactive, shop_closed, account_closed, "
        "pin_not_set",
    ),
    (410, "card_revoked"),
    (429, "pin_locked"),
)
def redeem(data):
    """Sell goods for a household's points (the shop's keeper), by card or household id.

    One ledger transfer household -> shop and the stock moves, together or not at all.
    409 ``insufficient_points``, 409 ``out_of_stock``, 410 ``card_revoked``, 403
    ``wrong_shop``; with the village's PIN rule, 403 ``pin_required`` / ``pin_wrong``, 429
    ``pin_locked``.

    An offline sale sends ``made_at``, when it was made on the phone. It posts counted in
    that month (or in the current month when that one is settled or on a printed 公示
    sheet), within the village's offline limit. If the server refuses it for a reason the
    counter could not see offline (not enough points now, card reissued, goods gone, the
    offline limit, ...), it answers 202 with the offline sale it keeps for the committee
    (status ``pending``, ``reason``): nothing is posted, and the same key gets the same
    answer again.
    """
    actor = current_principal()
    # The PIN is checked, never kept: it stays out of the stored request fingerprint.
    fingerprinted = {name: value for name, value in data.items() if name != "pin"}

    def produce():
        if data.get("made_at") is None:
            data.pop("made_at", None)
            return _REDEMPTION_OUT.dump(sales.redeem_items(actor, **data))
        fields = {name: value for name, value in data.items() if name != "pin"}
        outcome = offline_sync.redeem_offline(
            actor, client_key=request.headers["Idempotency-Key"], **fields
        )
        if outcome.sale is not None:
            return _REDEMPTION_OUT.dump(outcome.sale), 201
        view = offline_reconcile.find_offline_sale(actor, outcome.pending.id)
        return _OFFLINE_SALE_OUT.dump(view), 202

    return idempotent_call(actor, fingerprinted, produce)


@blp.route("/redemptions/<int:redemption_id>", methods=["GET"])
@blp.response(200, RedemptionOut)
def get_redemption(redemption_id):
    return receipts.get_redemption(current_principal(), redemption_id)


@blp.route("/redemptions/<int:redemption_id>/void", methods=["POST"])
@blp.arguments(VoidIn)
@blp.response(200, VoidOut)
@blp.doc(**_key_header(required=True))
@_refusals((403, "void_too_late, wrong_shop, forbidden"), (409, "already_voided"))
def void(data, redemption_id):
    """Void a sale: the transfer is reversed and the stock put back, once.

    The shop's keeper voids the same day (the village's time zone); an admin any time.
    403 ``void_too_late``, 409 ``already_voided``.
    """
    actor = current_principal()

    def produce():
        view = voids.void_redemption(actor, redemption_id, reason=data["reason"])
        return VoidOut().dump(view)

    return idempotent_call(actor, data, produce, status=200)


# --- settlements -----------------------------------------------------------------------------


@blp.route("/shops/<int:shop_id>/settlements/<period>", methods=["GET"])
@blp.response(200, SettlementOut)
def get_settlement(shop_id, period):
    """The month's points redeemed at the shop (net of voids), the yuan owed, and whether paid.

    For the village's admins and the shop's keeper.
    """
    return settlement.month_statement(current_principal(), shop_id, period)


@blp.route("/shops/<int:shop_id>/settlements/<period>", methods=["POST"])
@blp.response(201, SettlementOut)
@blp.doc(**_key_header(required=True))
@_refusals((409, "already_settled, period_open, nothing_to_settle"))
def settle(shop_id, period):
    """Settle the month (admin): posts the statement's ``points_due`` shop -> settled, once.
    409 ``already_settled``, ``period_open`` (the month has not ended) or
    ``nothing_to_settle`` (nothing due, the carried difference included)."""
    actor = current_principal()

    def produce():
        return SettlementOut().dump(settlement.settle_month(actor, shop_id, period))

    return idempotent_call(actor, {}, produce)
