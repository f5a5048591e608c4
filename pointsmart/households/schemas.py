"""What the households API reads and writes."""

from marshmallow import Schema, fields, validate

from ..periods import PERIOD_PATTERN
from ..schemas import MAX_ID, PageQuery, page_schema
from ..text import HouseholdNumber, Name, Phone

ID = validate.Range(1, MAX_ID)


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
    grid_id = fields.Int(load_default=None, allow_none=True, strict=True, validate=ID)
    phone = Phone(load_default=None, allow_none=True)
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
