"""What the counter API reads and writes."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..households.schemas import CardHolderOut
from ..periods import PERIOD_PATTERN
from ..schemas import MAX_ID, page_schema
from ..text import Name, Text
from .fields import made_at_field
from .goods import MAX_POSITION, MAX_PRICE
from .pins import Pin
from .sales import MAX_LINES, MAX_QUANTITY
from .stock import MAX_STOCK

ID = validate.Range(1, MAX_ID)


class ShopIn(Schema):
    name = Name(required=True, validate=validate.Length(1, 100))


class ShopOut(Schema):
    id = fields.Int()
    village_id = fields.Int()
    name = fields.Str()
    active = fields.Bool()
    created_at = fields.DateTime()


ShopList = page_schema("ShopList", ShopOut)


class ProductIn(Schema):
    name = Name(required=True, validate=validate.Length(1, 100))
    points_price = fields.Int(required=True, strict=True, validate=validate.Range(1, MAX_PRICE))
    stock = fields.Int(load_default=0, strict=True, validate=validate.Range(0, MAX_STOCK))
    low_stock_at = fields.Int(load_default=5, strict=True, validate=validate.Range(0, MAX_STOCK))
    active = fields.Bool(load_default=True)
    position = fields.Int(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(1, MAX_POSITION)
    )


class ProductPatch(Schema):
    name = Name(validate=validate.Length(1, 100))
    points_price = fields.Int(strict=True, validate=validate.Range(1, MAX_PRICE))
    low_stock_at = fields.Int(strict=True, validate=validate.Range(0, MAX_STOCK))
    active = fields.Bool()
    # The shop's own place in the counter's list; null takes the goods' place away.
    position = fields.Int(allow_none=True, strict=True, validate=validate.Range(1, MAX_POSITION))


class ProductOut(Schema):
    id = fields.Int()
    shop_id = fields.Int()
    name = fields.Str()
    points_price = fields.Int()
    stock = fields.Int()
    low_stock_at = fields.Int()
    low_stock = fields.Method("is_low")
    active = fields.Bool()
    position = fields.Int(allow_none=True)
    has_photo = fields.Method("photo_present")

    def is_low(self, product) -> bool:
        return product.stock <= product.low_stock_at

    def photo_present(self, product) -> bool:
        return product.photo is not None


ProductList = page_schema("ProductList", ProductOut)


class ProductQuery(Schema):
    active = fields.Bool(load_default=None, allow_none=True)


class StockIn(Schema):
    delta = fields.Int(
        required=True,
        strict=True,
        validate=validate.Range(-MAX_STOCK, MAX_STOCK),
        metadata={"description": "goods in (> 0) or out (< 0); not 0"},
    )
    memo = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))


class StockMoveOut(Schema):
    id = fields.Int()
    product_id = fields.Int()
    kind = fields.Str(metadata={"description": "in, out, sale or void"})
    delta = fields.Int()
    stock_after = fields.Int()
    redemption_id = fields.Int(allow_none=True)
    memo = fields.Str(allow_none=True)
    created_by_id = fields.Int(allow_none=True)
    created_at = fields.DateTime()


class StockChangeOut(Schema):
    product = fields.Nested(ProductOut)
    move = fields.Nested(StockMoveOut)


StockMoveList = page_schema("StockMoveList", StockMoveOut)


class ItemIn(Schema):
    product_id = fields.Int(required=True, strict=True, validate=ID)
    quantity = fields.Int(required=True, strict=True, validate=validate.Range(1, MAX_QUANTITY))
    points_price = fields.Int(
        strict=True,
        validate=validate.Range(1, MAX_PRICE),
        metadata={
            "description": "an offline sale's price as the counter showed it: the sale costs "
            "this or today's price, whichever is lower"
        },
    )


class RedemptionIn(Schema):
    card_token = fields.Str(
        validate=validate.Length(1, 300),
        metadata={"description": "what the card's QR code or short code says"},
    )
    household_id = fields.Int(strict=True, validate=ID)
    shop_id = fields.Int(required=True, strict=True, validate=ID)
    items = fields.List(
        fields.Nested(ItemIn), required=True, validate=validate.Length(1, MAX_LINES)
    )
    pin = Pin(
        load_default=None,
        allow_none=True,
        metadata={"description": "the household's PIN, when the village asks for it"},
    )
    made_at = made_at_field()

    @validates_schema
    def one_way_to_the_household(self, data, **kwargs):
        if ("card_token" in data) == ("household_id" in data):
            raise ValidationError(
                str(_l("Give either card_token or household_id.")), field_name="card_token"
            )

    @validates_schema
    def prices_only_offline(self, data, **kwargs):
        # Online the counter sells at today's price; only a sale made without network
        # was agreed at the price its phone showed.
        if data.get("made_at") is None and any("points_price" in i for i in data["items"]):
            raise ValidationError(
                str(_l("A price is sent only with a sale made offline (made_at).")),
                field_name="items",
            )


class LineOut(Schema):
    """A line of a sale, online or offline: the goods at the price of the moment."""

    product_id = fields.Int()
    name = fields.Str()
    points_price = fields.Int()
    quantity = fields.Int()


class ItemOut(LineOut):
    points = fields.Int()


class CustomerOut(CardHolderOut):
    """Who paid: what the card's holder sees of the household, after the sale."""


# Built once: every sale's answer dumps its customer with it.
_CUSTOMER_OUT = CustomerOut()


class RedemptionOut(Schema):
    id = fields.Int()
    shop_id = fields.Int()
    household_id = fields.Int()
    total_points = fields.Int()
    items = fields.List(fields.Nested(ItemOut))
    balance_after = fields.Int()
    transfer_id = fields.Int()
    created_at = fields.DateTime()
    made_at = fields.DateTime(
        allow_none=True, metadata={"description": "an offline sale: when it was made"}
    )
    voided = fields.Bool()
    voided_at = fields.DateTime(allow_none=True)
    void_transfer_id = fields.Int(allow_none=True)
    void_reason = fields.Str(allow_none=True)
    household = fields.Function(
        lambda view: _CUSTOMER_OUT.dump(view.customer), metadata={"description": "who paid"}
    )
    void_balance_after = fields.Function(
        lambda view: view.extra.get("void_balance_after"),
        allow_none=True,
        metadata={
            "description": "a voided sale read on its own (GET /redemptions/{id}, the void's "
            "answer): the household's balance after the void; null otherwise"
        },
    )


class VoidOut(RedemptionOut):
    """A void's answer: the sale as voided, with ``void_balance_after``."""


class VoidIn(Schema):
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))


class CardLookupIn(Schema):
    card_token = fields.Str(required=True, validate=validate.Length(1, 300))


class SettlementOut(Schema):
    shop_id = fields.Int()
    period = fields.Str()
    points_redeemed = fields.Int(metadata={"description": "sales minus voids in the month"})
    sales_points = fields.Int()
    sales_count = fields.Int()
    voided_points = fields.Int()
    voids_count = fields.Int()
    carried_points = fields.Int(
        metadata={
            "description": "below 0: voids of earlier, already paid months that no sale has "
            "made up for yet, taken off this month; above 0: points an earlier month held back "
            "(settled after this month's voids), paid this month"
        }
    )
    points_due = fields.Int(metadata={"description": "what settling pays (or paid): never below 0"})
    carried_on = fields.Int(
        metadata={"description": "0 or below: what this month carries on to the next"}
    )
    held_back = fields.Int(
        metadata={"description": "due points a later month's voids took already"}
    )
    yuan_per_point = fields.Decimal(places=2, as_string=True)
    yuan = fields.Decimal(
        places=2, as_string=True, metadata={"description": "the yuan owed: points_due at the rate"}
    )
    settled = fields.Bool()
    transfer_id = fields.Int(allow_none=True)
    settled_at = fields.DateTime(allow_none=True)


class PeriodPath(Schema):
    period = fields.Str(validate=validate.Regexp(PERIOD_PATTERN))


class PinIn(Schema):
    pin = Pin(required=True)


class CounterSettingsIn(Schema):
    pin_required_above = fields.Int(
        required=True,
        allow_none=True,
        strict=True,
        validate=validate.Range(0, 1_000_000),
        metadata={"description": "sales above this many points need the PIN; null: never"},
    )

    offline_limit = fields.Int(
        strict=True,
        validate=validate.Range(0, 1_000_000),
        metadata={"description": "points a household may spend per day offline; 0: none"},
    )


class CounterSettingsOut(Schema):
    village_id = fields.Int(attribute="id")
    pin_required_above = fields.Int(allow_none=True)
    offline_limit = fields.Int()
