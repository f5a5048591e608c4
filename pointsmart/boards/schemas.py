from marshmallow import Schema, fields, validate

from ..periods import PERIOD_PATTERN
from ..schemas import MAX_ID


class SummaryQuery(Schema):
    period = fields.Str(load_default=None, validate=validate.Regexp(PERIOD_PATTERN))


class SummaryOut(Schema):
    village_id = fields.Int()
    period = fields.Str()
    issued = fields.Int()
    deducted = fields.Int()
    redeemed = fields.Int()
    settled = fields.Int()
    outstanding = fields.Int()
    outstanding_yuan = fields.Decimal(places=2, as_string=True)
    unsettled = fields.Int()
    yuan_per_point = fields.Decimal(places=2, as_string=True)


class BoardQuery(Schema):
    period = fields.Str(load_default=None, validate=validate.Regexp(PERIOD_PATTERN))


class BoardRuleRef(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()


class BoardItem(Schema):
    id = fields.Int()
    kind = fields.Str()
    household_id = fields.Int()
    number = fields.Str()
    head_name = fields.Str()
    rule = fields.Nested(BoardRuleRef)
    points = fields.Int(metadata={"description": "signed: + red, - black"})
    reason = fields.Str()
    photo_url = fields.Str(allow_none=True)
    period = fields.Str()
    board_until = fields.Date(metadata={"description": "the last day it is shown"})
    pending_objections = fields.Int()
    created_at = fields.DateTime()


class BoardOut(Schema):
    village_id = fields.Int()
    period = fields.Str(allow_none=True)
    red = fields.List(fields.Nested(BoardItem))
    black = fields.List(fields.Nested(BoardItem))


class LeaderboardQuery(Schema):
    period = fields.Str(
        load_default=None,
        validate=validate.Regexp(r"^[0-9]{4}(-(0[1-9]|1[0-2]))?\Z"),
        metadata={"description": "YYYY-MM for a month, YYYY for a year; default this month"},
    )
    grid_id = fields.Int(load_default=None, validate=validate.Range(1, MAX_ID))
    limit = fields.Int(load_default=50, validate=validate.Range(1, 500))


class LeaderboardGrid(Schema):
    id = fields.Int()
    name = fields.Str()


class LeaderboardItem(Schema):
    rank = fields.Int()
    household_id = fields.Int()
    number = fields.Str()
    head_name = fields.Str()
    grid = fields.Nested(LeaderboardGrid, allow_none=True)
    points = fields.Int(metadata={"description": "earned - deducted in the period"})


class LeaderboardOut(Schema):
    period = fields.Str()
    village_id = fields.Int()
    grid_id = fields.Int(allow_none=True)
    items = fields.List(fields.Nested(LeaderboardItem))
