"""Pages: a shop's goods, stock in and out, goods' photos (routes on ``views.bp``).

Every form carries the one-time key: a resent stock form moves the stock once.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ...accounts.auth import login_required, page_principal
from ...forms import REQUIRED, done, run_once, submit
from ...security import upload_response
from ...text import Name, Text
from ...villages.service import find_village
from .. import goods, photos
from ..goods import MAX_POSITION, MAX_PRICE
from ..stock import MAX_STOCK
from .blueprint import bp

GOODS = "counter_pages.goods_list"
PRODUCT = "counter_pages.product_page"
NUMBER = {"invalid": _l("Write a whole number.")}


class ProductForm(Schema):
    name = Name(required=True, error_messages=REQUIRED, validate=validate.Length(1, 100))
    points_price = fields.Int(
        required=True,
        error_messages={**REQUIRED, **NUMBER},
        validate=validate.Range(1, MAX_PRICE, error=_l("The price is 1 to 100,000 points.")),
    )
    low_stock_at = fields.Int(
        load_default=5,
        error_messages=NUMBER,
        validate=validate.Range(0, MAX_STOCK, error=_l("The warning level is 0 to 1,000,000.")),
    )
    # Empty: no place of its own (after the placed goods, by name).
    position = fields.Int(
        load_default=None,
        error_messages=NUMBER,
        validate=validate.Range(
            1, MAX_POSITION, error=_l("The place in the list is 1 to 999, or empty.")
        ),
    )


class NewProductForm(ProductForm):
    stock = fields.Int(
        load_default=0,
        error_messages=NUMBER,
        validate=validate.Range(0, MAX_STOCK, error=_l("Stock must be 0 to 1,000,000.")),
    )


class EditProductForm(ProductForm):
    active = fields.Bool(load_default=False)


class StockForm(Schema):
    quantity = fields.Int(
        required=True,
        error_messages={**REQUIRED, **NUMBER},
        validate=validate.Range(1, MAX_STOCK, error=_l("Stock must be 0 to 1,000,000.")),
    )
    direction = fields.Str(required=True, validate=validate.OneOf(["in", "out"]))
    memo = Text(load_default=None, validate=validate.Length(max=200))


def _goods_page(shop, *, errors=None, form=None, status=200):
    actor = page_principal()
    products = goods.list_products(actor, shop.id)
    return (
        render_template(
            "counter/goods.html",
            shop=shop,
            products=products,
            low=[p for p in products if p.active and p.stock <= p.low_stock_at],
            can_manage=actor.is_admin_of(shop.village_id) or goods.keeps_shop(actor, shop),
            errors=errors or {},
            form=form or {},
        ),
        status,
    )


@bp.route("/shops/<int:shop_id>/goods")
@login_required
def goods_list(shop_id: int):
    """The shop's goods with stock and a low-stock warning."""
    return _goods_page(goods.find_shop(shop_id))


@bp.route("/shops/<int:shop_id>/goods", methods=["POST"])
@login_required
def add_goods(shop_id: int):
    actor = page_principal()
    shop = goods.find_shop(shop_id)
    goods.require_shop_manager(actor, shop)

    def make(values):
        run_once(
            actor,
            {"shop_id": shop_id, **values},
            lambda: {"id": goods.create_product(actor, shop_id, **values).id},
        )
        return done(_("%(name)s added.", name=values["name"]), GOODS, shop_id=shop_id)

    def page(errors):
        return _goods_page(shop, errors=errors, form=request.form, status=422)

    return submit(NewProductForm(), make, page, at="name")


def _product_page(product, *, errors=None, status=200):
    actor = page_principal()
    shop = goods.find_shop(product.shop_id)
    return (
        render_template(
            "counter/product.html",
            shop=shop,
            product=product,
            moves=goods.stock_history(actor, product.id),
            # The village's clock, as on the receipts the moves link to.
            zone=ZoneInfo(find_village(shop.village_id).timezone),
            can_manage=actor.is_admin_of(shop.village_id) or goods.keeps_shop(actor, shop),
            errors=errors or {},
        ),
        status,
    )


@bp.route("/products/<int:product_id>")
@login_required
def product_page(product_id: int):
    """One kind of goods: details, photo, stock in and out, and its stock moves."""
    return _product_page(goods.find_product(product_id))


@bp.route("/products/<int:product_id>", methods=["POST"])
@login_required
def edit_product(product_id: int):
    actor = page_principal()

    def make(values):
        goods.update_product(actor, product_id, **values)
        return done(_("Saved."), PRODUCT, product_id=product_id)

    return submit(EditProductForm(), make, _product_page_again(product_id), at="name")


@bp.route("/products/<int:product_id>/stock", methods=["POST"])
@login_required
def product_stock(product_id: int):
    actor = page_principal()

    def make(values):
        delta = values["quantity"] if values["direction"] == "in" else -values["quantity"]
        run_once(
            actor,
            {"product_id": product_id, **values},
            lambda: {
                "move": goods.adjust_stock(
                    actor, product_id, delta=delta, memo=values.get("memo")
                ).move.id
            },
        )
        if request.form.get("back") == "goods":
            shop_id = goods.find_product(product_id).shop_id
            return done(_("Stock updated."), GOODS, shop_id=shop_id)
        return done(_("Stock updated."), PRODUCT, product_id=product_id)

    page = _product_page_again(product_id)
    return submit(StockForm(), make, page, at="quantity", fields=())


@bp.route("/products/<int:product_id>/photo", methods=["POST"])
@login_required
def upload_product_photo(product_id: int):
    """A new photo (a file), or none (``remove``)."""
    actor = page_principal()

    def make(_values):
        upload = request.files.get("photo")
        if upload is not None and upload.filename:
            try:
                data = upload.stream.read(photos.MAX_BYTES + 1)
            finally:
                upload.close()
            photos.set_photo(actor, product_id, data)
        elif request.form.get("remove"):
            photos.remove_photo(actor, product_id)
        else:
            photos.refuse_nothing_chosen(actor, product_id)
        return done(_("Saved."), PRODUCT, product_id=product_id)

    return submit(Schema(), make, _product_page_again(product_id), at="photo", fields=())


def _product_page_again(product_id: int):
    """The product's page again with a form's errors (422)."""
    return lambda errors: _product_page(goods.find_product(product_id), errors=errors, status=422)


@bp.route("/products/<int:product_id>/photo.jpg")
def product_photo(product_id: int):
    """The goods' photo: always a re-encoded JPEG, never anything a browser would run."""
    data = photos.photo_bytes(goods.find_product(product_id))
    if data is None:
        abort(404)
    return upload_response(
        data,
        "image/jpeg",
        cache_control="public, max-age=3600",
        disposition=f'inline; filename="product-{product_id}.jpg"',
    )
