"""What the board's API reads and writes."""

from marshmallow import Schema, fields, validate

from ..awards.schemas import ID, QUANTITY, REASON
from ..ledger.schemas import PERIOD
from ..periods import PERIOD_PATTERN
from ..rules.schemas import RuleRef
from ..schemas import MAX_ID, page_schema
from ..text import Text
from .models import OBJECTION_STATUSES


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


class BoardItem(Schema):
    id = fields.Int()
    kind = fields.Str()
    household_id = fields.Int()
    number = fields.Str()
    head_name = fields.Str()
    rule = fields.Nested(RuleRef)
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


# --- entries and objections (staff and households) ---------------------------------------


class BoardEntryIn(Schema):
    household_id = fields.Int(required=True, strict=True, validate=ID)
    rule_id = fields.Int(required=True, strict=True, validate=ID)
    quantity = fields.Decimal(load_default=1, validate=QUANTITY)
    reason = Text(required=True, validate=REASON)
    period = fields.Str(load_default=None, validate=PERIOD)
    photo_base64 = fields.Str(
        load_default=None,
        validate=validate.Length(max=7_000_000),
        metadata={"description": "optional JPEG or PNG, base64 (at most 5 MB decoded)"},
    )


class BoardEntryOut(BoardItem):
    """An entry as its staff see it: the public item and its bookkeeping."""

    village_id = fields.Int()
    has_photo = fields.Bool()
    on_board = fields.Bool()
    reversed = fields.Bool()
    transfer_id = fields.Int()
    created_by_id = fields.Int(allow_none=True)


BoardEntryList = page_schema("BoardEntryList", BoardEntryOut)


class ObjectionIn(Schema):
    reason = Text(required=True, validate=REASON)
    household_id = fields.Int(
        load_default=None,
        strict=True,
        validate=ID,
        metadata={"description": "needed when an admin files it for a household"},
    )


class ObjectionOut(Schema):
    id = fields.Int()
    entry_id = fields.Int()
    village_id = fields.Int()
    household_id = fields.Int()
    reason = fields.Str()
    filed_by_id = fields.Int(allow_none=True)
    raised_at = fields.DateTime()
    status = fields.Str()
    decided_by_id = fields.Int(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.Str(allow_none=True)
    reversal_id = fields.Int(allow_none=True)


class ObjectionQuery(Schema):
    status = fields.Str(load_default=None, validate=validate.OneOf(OBJECTION_STATUSES))


ObjectionList = page_schema("ObjectionList", ObjectionOut)


class ObjectionDecisionIn(Schema):
    uphold = fields.Bool(required=True)
    reason = Text(required=True, validate=REASON)
