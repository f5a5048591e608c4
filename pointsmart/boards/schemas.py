from marshmallow import Schema, fields, validate

from ..periods import PERIOD_PATTERN


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
