"""What the villages API reads and writes."""

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate

from ..schemas import MAX_ID, page_schema
from ..text import Name
from .rates import rate_problem


def _a_rate(value: Decimal) -> None:
    problem = rate_problem(value)
    if problem:
        raise ValidationError(problem)


class VillageIn(Schema):
    name = Name(required=True, validate=validate.Length(1, 100))
    timezone = fields.Str(load_default="Asia/Shanghai", validate=validate.Length(1, 64))
    yuan_per_point = fields.Decimal(
        load_default=None,
        validate=_a_rate,
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
