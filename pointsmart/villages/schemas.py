"""What the villages API reads and writes."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from ..periods import PERIOD_PATTERN
from ..schemas import MAX_ID, PageQuery, page_schema
from ..text import HouseholdNumber, Name

PHONE = validate.Regexp(
    r"^1[3-9][0-9]{9}\Z", error=_l("A mobile number has 11 digits and starts with 1.")
)
ID = validate.Range(1, MAX_ID)


def _at_most_fen(value: Decimal) -> None:
    """Money is in yuan and fen: 0.125 would be rounded somewhere, so it is refused here."""
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
    approval_threshold = fields.Int(load_default=50, validate=validate.Range(1, 1_000_000))
    region_id = fields.Int(
        load_default=None,
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


class MemberIn(Schema):
    name = Name(required=True, validate=validate.Length(1, 50))
    relation = Name(load_default="", validate=validate.Length(0, 20))


class MemberOut(Schema):
    id = fields.Int()
    name = fields.Str()
    relation = fields.Str()


class HouseholdIn(Schema):
    number = HouseholdNumber(required=True, validate=validate.Length(1, 32))
    head_name = Name(required=True, validate=validate.Length(1, 50))
    grid_id = fields.Int(load_default=None, allow_none=True, validate=ID)
    phone = fields.Str(load_default=None, allow_none=True, validate=PHONE)
    members = fields.List(
        fields.Nested(MemberIn), load_default=list, validate=validate.Length(max=30)
    )


class HouseholdQuery(PageQuery):
    q = fields.Str(load_default=None, validate=validate.Length(1, 50))
    grid_id = fields.Int(load_default=None, validate=ID)
    after = fields.Int(load_default=None, allow_none=True, validate=ID)


class GridRef(Schema):
    id = fields.Int()
    name = fields.Str()


class HouseholdBrief(Schema):
    id = fields.Int()
    village_id = fields.Int()
    number = fields.Str()
    head_name = fields.Str()
    phone = fields.Str(allow_none=True)
    grid = fields.Nested(GridRef, allow_none=True)
    status = fields.Str()
    balance = fields.Int()


HouseholdList = page_schema("HouseholdList", HouseholdBrief)


class MonthOut(Schema):
    period = fields.Str(validate=validate.Regexp(PERIOD_PATTERN))
    earned = fields.Int()
    deducted = fields.Int()
    redeemed = fields.Int()
    rank = fields.Int()


class CardRef(Schema):
    version = fields.Int()


class HouseholdOut(HouseholdBrief):
    members = fields.List(fields.Nested(MemberOut))
    month = fields.Nested(MonthOut)
    card = fields.Nested(CardRef)
    created_at = fields.DateTime()


class CardOut(Schema):
    household_id = fields.Int()
    version = fields.Int()
    token = fields.Str()
    url = fields.Str()
    code = fields.Str(metadata={"description": "short code for typing, with a check character"})


class CardHolderOut(Schema):
    household_id = fields.Int()
    number = fields.Str()
    head_name = fields.Str()
    balance = fields.Int()
