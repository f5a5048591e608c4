"""What the villages API reads and writes."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from ..schemas import MAX_ID, page_schema
from ..text import Name


def _at_most_fen(value: Decimal) -> None:
    """Money is in yuan and fen: 0.125 would be rounded somewhere, so it is refused here.

    A value beyond the range is left to the range's own message: rounding ``1e400`` (or any
    number of more than 26 digits before the point) to the fen is no number Python's decimals
    can hold, and raised ``InvalidOperation`` (a 500) beside the range's refusal."""
    if abs(value) > 1000:
        return
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(str(_l("At most two decimal places (fen).")))


class VillageIn(Schema):
    name = Name(required=True, validate=validate.Length(1, 100))
    timezone = fields.Str(load_default="Asia/Shanghai", validate=validate.Length(1, 64))
    yuan_per_point = fields.Decimal(
        load_default=None,
        validate=[validate.Range(0, 1000), _at_most_fen],
        as_string=True,
    )
    approval_threshold = fields.Int(
        load_default=50, strict=True, validate=validate.Range(1, 1_000_000)
    )
    region_id = fields.Int(
        load_default=None,
        strict=True,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "the township (a region of level township); none: no township"},
    )


class VillageOut(Schema):
    id = fields.Int()
    name = fields.Str()
    timezone = fields.Str()
    yuan_per_point = fields.Decimal(places=2, as_string=True)
    approval_threshold = fields.Int()
    region_id = fields.Int(allow_none=True)
    created_at = fields.DateTime()


VillageList = page_schema("VillageList", VillageOut)


class GridIn(Schema):
    name = Name(required=True, validate=validate.Length(1, 100))


class GridOut(Schema):
    id = fields.Int()
    village_id = fields.Int()
    name = fields.Str()


GridList = page_schema("GridList", GridOut)
