"""What the activities API reads and writes."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..awards.schemas import ID, QUANTITY, AwardOut
from ..rules.schemas import RuleRef
from ..schemas import A_DAY_OF_THE_CALENDAR, page_schema
from ..text import Name


class ActivityIn(Schema):
    title = Name(required=True, validate=validate.Length(1, 100))
    date = fields.Date(required=True, validate=A_DAY_OF_THE_CALENDAR)
    place = Name(load_default="", validate=validate.Length(max=100))
    rule_id = fields.Int(required=True, strict=True, validate=ID)


class AttendanceFields(Schema):
    """What an attendance row and an activity's attendee both say."""

    id = fields.Int()
    household_id = fields.Int()
    member_name = fields.Str()
    checked_in_at = fields.DateTime(allow_none=True)
    checked_out_at = fields.DateTime(allow_none=True)
    hours = fields.Float(allow_none=True)
    transfer_id = fields.Int(allow_none=True)


class AttendeeOut(AttendanceFields):
    number = fields.Str()
    head_name = fields.Str()
    points = fields.Int(allow_none=True)
    reversed = fields.Bool()


class ActivityBrief(Schema):
    id = fields.Int()
    village_id = fields.Int()
    title = fields.Str()
    date = fields.Date()
    place = fields.Str()
    rule_id = fields.Int()
    created_by_id = fields.Int(allow_none=True)
    created_at = fields.DateTime()


class ActivityOut(ActivityBrief):
    rule = fields.Nested(RuleRef)
    attendees = fields.List(fields.Nested(AttendeeOut))
    total_hours = fields.Float()
    total_points = fields.Int()
    pending_hours = fields.Float()


ActivityList = page_schema("ActivityList", ActivityBrief)


class AttendanceIn(Schema):
    household_id = fields.Int(required=True, strict=True, validate=ID)
    member_name = Name(load_default="", validate=validate.Length(max=50))
    hours = fields.Decimal(required=True, validate=QUANTITY)


class AttendanceOut(Schema):
    activity_id = fields.Int()
    items = fields.List(fields.Nested(AwardOut))
    count = fields.Int()
    hours = fields.Float()
    points = fields.Int()


class CheckInIn(Schema):
    household_id = fields.Int(load_default=None, strict=True, validate=ID)
    card = fields.Str(
        load_default=None,
        validate=validate.Length(1, 500),
        metadata={"description": "the scanned card URL, its token or the typed short code"},
    )
    member_name = Name(load_default="", validate=validate.Length(max=50))

    @validates_schema
    def household_or_card(self, data, **kwargs):
        if (data.get("household_id") is None) == (data.get("card") is None):
            raise ValidationError(str(_l("Give household_id or card.")), "household_id")


class HoursIn(Schema):
    hours = fields.Decimal(required=True, validate=QUANTITY)


class AttendanceRowOut(AttendanceFields):
    activity_id = fields.Int()


# --- red and black list ----------------------------------------------------------------------
