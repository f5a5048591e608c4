"""What the rule catalogue's API reads and writes."""

from marshmallow import Schema, fields, validate

from ..ledger.models import CATEGORIES
from ..ledger.service import MAX_AMOUNT
from ..schemas import A_DAY_OF_THE_CALENDAR, page_schema
from ..text import Name
from .models import UNITS


class RuleIn(Schema):
    code = fields.Str(required=True, validate=validate.Length(1, 32))
    name = Name(required=True, validate=validate.Length(1, 100))
    category = fields.Str(required=True, validate=validate.OneOf(CATEGORIES))
    points = fields.Int(
        required=True,
        strict=True,
        validate=validate.Range(-MAX_AMOUNT, MAX_AMOUNT),
        metadata={"description": "signed: + awards, - deducts; per unit"},
    )
    unit = fields.Str(load_default="each", validate=validate.OneOf(UNITS))
    monthly_cap = fields.Int(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(1, MAX_AMOUNT)
    )
    active = fields.Bool(load_default=True)
    valid_from = fields.Date(load_default=None, validate=A_DAY_OF_THE_CALENDAR)


class RuleChangeIn(Schema):
    """Name and ``active`` change in place; points or cap make a new version from a date."""

    name = Name(validate=validate.Length(1, 100))
    active = fields.Bool()
    points = fields.Int(strict=True, validate=validate.Range(-MAX_AMOUNT, MAX_AMOUNT))
    monthly_cap = fields.Int(
        allow_none=True,
        strict=True,
        validate=validate.Range(1, MAX_AMOUNT),
        metadata={"description": "null removes the cap"},
    )
    valid_from = fields.Date(validate=A_DAY_OF_THE_CALENDAR)


class RuleQuery(Schema):
    category = fields.Str(load_default=None, validate=validate.OneOf(CATEGORIES))
    unit = fields.Str(load_default=None, validate=validate.OneOf(UNITS))
    active = fields.Bool(load_default=None)


class RuleVersionOut(Schema):
    id = fields.Int()
    version = fields.Int()
    points = fields.Int()
    monthly_cap = fields.Int(allow_none=True)
    valid_from = fields.Date()
    points_min = fields.Int(allow_none=True)
    points_max = fields.Int(allow_none=True)
    created_at = fields.DateTime()


class RuleOut(Schema):
    id = fields.Int()
    village_id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    category = fields.Str()
    unit = fields.Str()
    active = fields.Bool()
    points = fields.Int(allow_none=True, metadata={"description": "in force today"})
    monthly_cap = fields.Int(allow_none=True, metadata={"description": "in force today"})
    version = fields.Int(allow_none=True)
    version_id = fields.Int(allow_none=True)
    points_min = fields.Int(
        allow_none=True,
        metadata={"description": "the county template's range in force today; null: none"},
    )
    points_max = fields.Int(allow_none=True)
    versions = fields.List(fields.Nested(RuleVersionOut))
    created_at = fields.DateTime()


RuleList = page_schema("RuleList", RuleOut)


class RuleRef(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
