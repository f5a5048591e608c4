"""What the offline counter's API reads and writes."""

from marshmallow import Schema, fields, validate

from ...schemas import page_schema
from ...text import Text
from ..models import OFFLINE_SALE_STATUSES
from ..schemas import LineOut
from .reconcile import RESOLUTIONS


class SnapshotHousehold(Schema):
    id = fields.Int()
    number = fields.Str()
    name = fields.Str(metadata={"description": "the head's name, masked (张*明)"})
    card_version = fields.Int(metadata={"description": "a card of an older version is refused"})
    balance = fields.Int()


class SnapshotGoods(Schema):
    id = fields.Int()
    name = fields.Str()
    points_price = fields.Int()
    stock = fields.Int()


class SnapshotOut(Schema):
    shop_id = fields.Int()
    shop_name = fields.Str()
    village_id = fields.Int()
    timezone = fields.Str()
    offline_limit = fields.Int(
        metadata={"description": "points a household may spend offline per day; 0: none"}
    )
    pin_required_above = fields.Int(allow_none=True)
    households = fields.List(fields.Nested(SnapshotHousehold))
    goods = fields.List(fields.Nested(SnapshotGoods))
    etag = fields.Str()
    taken_at = fields.DateTime()


class OfflineLine(LineOut):
    """A line of an offline sale (a refused one keeps its lines)."""


class OfflineSaleOut(Schema):
    id = fields.Int()
    status = fields.Str(metadata={"description": "pending, shortfall or write_off"})
    shop_id = fields.Int()
    shop_name = fields.Str()
    household_id = fields.Int(allow_none=True)
    household_number = fields.Str(allow_none=True)
    household_name = fields.Str(allow_none=True)
    household_balance = fields.Int(allow_none=True)
    items = fields.List(fields.Nested(OfflineLine), attribute="lines")
    total_points = fields.Int()
    reason = fields.Str(metadata={"description": "the refusal's code, e.g. insufficient_points"})
    detail = fields.Str(allow_none=True)
    made_at = fields.DateTime()
    created_at = fields.DateTime(metadata={"description": "when it reached the server"})
    transfer_id = fields.Int(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolution_memo = fields.Str(allow_none=True)


OfflineSaleList = page_schema("OfflineSaleList", OfflineSaleOut)


class OfflineSaleQuery(Schema):
    status = fields.Str(
        load_default="pending",
        validate=validate.OneOf((*OFFLINE_SALE_STATUSES, "all")),
        metadata={"description": "pending (default), shortfall, write_off or all"},
    )


class ResolveIn(Schema):
    resolution = fields.Str(required=True, validate=validate.OneOf(RESOLUTIONS))
    memo = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
