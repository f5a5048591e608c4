"""What the ledger API reads and writes."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ..periods import PERIOD_PATTERN
from ..schemas import MAX_BIG_ID, MAX_ID, PageQuery, page_schema
from ..text import Text
from .models import CATEGORIES
from .posting_checks import MAX_AMOUNT, MAX_MEMO_LENGTH

PERIOD = validate.Regexp(PERIOD_PATTERN, error=_l("A period is written YYYY-MM."))


class TransferIn(Schema):
    """An ad-hoc award or deduction. Rule-based awards arrive with the rule catalogue."""

    household_id = fields.Int(required=True, strict=True, validate=validate.Range(1, MAX_ID))
    kind = fields.Str(required=True, validate=validate.OneOf(["award", "deduct"]))
    points = fields.Int(required=True, strict=True, validate=validate.Range(1, MAX_AMOUNT))
    category = fields.Str(required=True, validate=validate.OneOf(CATEGORIES))
    memo = Text(load_default=None, validate=validate.Length(max=MAX_MEMO_LENGTH))
    period = fields.Str(load_default=None, validate=PERIOD)


class ReversalIn(Schema):
    reason = Text(required=True, validate=validate.Length(1, MAX_MEMO_LENGTH))


class TransferOut(Schema):
    id = fields.Int()
    village_id = fields.Int()
    household_id = fields.Int(allow_none=True)
    amount = fields.Int(metadata={"description": "+ award, - deduction or redemption"})
    kind = fields.Str()
    category = fields.Str(allow_none=True)
    period = fields.Str()
    memo = fields.Str(allow_none=True)
    balance_after = fields.Int(allow_none=True)
    reverses_id = fields.Int(allow_none=True)
    reversed_by_id = fields.Int(allow_none=True)
    posted_by_id = fields.Int(allow_none=True)
    rule_id = fields.Int(allow_none=True, metadata={"description": "the rule, if by rule"})
    rule_version_id = fields.Int(
        allow_none=True, metadata={"description": "the version of the rule it used"}
    )
    quantity = fields.Float(allow_none=True, metadata={"description": "count or hours"})
    hash = fields.Str()
    created_at = fields.DateTime()


TransferList = page_schema("TransferList", TransferOut)


class HistoryQuery(PageQuery):
    after = fields.Int(load_default=None, allow_none=True, validate=validate.Range(1, MAX_BIG_ID))


class VerifyOut(Schema):
    ok = fields.Bool()
    transfers_checked = fields.Int()
    head_hash = fields.Str()
    first_bad_transfer_id = fields.Int(allow_none=True)
    problems = fields.List(fields.Str())


class VerifyHeadQuery(Schema):
    hash = fields.Str(
        required=True,
        validate=validate.Regexp(
            r"[0-9a-fA-F]{64}\Z", error=_l("A head hash is 64 hexadecimal characters.")
        ),
        metadata={"description": "the head hash printed on a monthly sheet"},
    )
    count = fields.Int(
        load_default=None,
        strict=False,
        validate=validate.Range(0, 2**62),
        metadata={"description": "the transfer count printed beside it"},
    )


class VerifyHeadOut(Schema):
    ok = fields.Bool()
    head_hash = fields.Str()
    seq = fields.Int(
        allow_none=True, metadata={"description": "the head's number in the chain, when found"}
    )
    transfer_id = fields.Int(allow_none=True)
    transfers_checked = fields.Int()
    problems = fields.List(fields.Str())
