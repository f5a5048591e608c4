"""What the awards API reads and writes."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..ledger.models import CATEGORIES
from ..ledger.schemas import PERIOD, TransferOut
from ..ledger.service import MAX_AMOUNT, MAX_MEMO_LENGTH
from ..schemas import MAX_BIG_ID, MAX_ID, PageQuery, page_schema
from ..text import MAX_REASON, Text
from .models import APPROVAL_STATUSES

ID = validate.Range(1, MAX_ID)
QUANTITY = validate.Range(min=0, min_inclusive=False, max=1_000_000)
MEMO = validate.Length(max=MAX_MEMO_LENGTH)
REASON = validate.Length(1, MAX_REASON)


class _Quantity(Schema):
    """``quantity``, or ``hours`` as another name for it (for rules counted in hours)."""

    quantity = fields.Decimal(load_default=None, validate=QUANTITY)
    hours = fields.Decimal(load_default=None, validate=QUANTITY, load_only=True)

    def _merge_quantity(self, data, required: bool):
        quantity, hours = data.get("quantity"), data.pop("hours", None)
        if quantity is not None and hours is not None:
            raise ValidationError(str(_l("Give quantity or hours, not both.")), "hours")
        if quantity is None:
            quantity = hours
        if required and quantity is None:
            raise ValidationError(str(_l("Give the quantity (or hours).")), "quantity")
        data["quantity"] = quantity
        return data

    def _refuse_quantity(self, data):
        """An ad hoc entry (points, no rule) has no quantity."""
        if data.get("quantity") is not None or data.get("hours") is not None:
            raise ValidationError(str(_l("A quantity needs a rule.")), "quantity")

    def load(self, *args, **kwargs):
        # ``hours`` is only another name for ``quantity``: never in what the schema gives.
        data = super().load(*args, **kwargs)
        data.pop("hours", None)
        return data


# --- awards ----------------------------------------------------------------------------------


class _Entry(_Quantity):
    """What an award and a proposal are given: a household, and a rule (with its quantity)
    or points and a category, for a month, with a memo."""

    household_id = fields.Int(required=True, strict=True, validate=ID)
    rule_id = fields.Int(load_default=None, strict=True, validate=ID)
    points = fields.Int(load_default=None, strict=True, validate=validate.Range(1, MAX_AMOUNT))
    category = fields.Str(load_default=None, validate=validate.OneOf(CATEGORIES))
    memo = Text(load_default=None, validate=MEMO)
    period = fields.Str(load_default=None, validate=PERIOD)

    def _refuse_with_rule(self, data, names=("points", "category")):
        """By rule, the rule says the points and the category: any sent too are refused, not
        dropped without a word."""
        extra = [name for name in names if data.get(name) is not None]
        if extra:
            raise ValidationError(
                {name: [str(_l("Not with a rule: the rule says it."))] for name in extra}
            )


class AwardIn(_Entry):
    """By rule: ``{household_id, rule_id, quantity (or hours), period?, memo?}``.
    Ad hoc: ``{household_id, kind, points, category, period?, memo?}``."""

    kind = fields.Str(load_default=None, validate=validate.OneOf(["award", "deduct"]))

    @validates_schema
    def by_rule_or_ad_hoc(self, data, **kwargs):
        if data.get("rule_id") is not None:
            self._refuse_with_rule(data, ("kind", "points", "category"))
            self._merge_quantity(data, required=True)
            return
        missing = {
            name: [str(_l("Missing data for required field."))]
            for name in ("kind", "points", "category")
            if data.get(name) is None
        }
        if missing:
            raise ValidationError(missing)
        self._refuse_quantity(data)


class AwardOut(TransferOut):
    rule_id = fields.Int(allow_none=True)


class BatchEntryIn(_Quantity):
    household_id = fields.Int(required=True, strict=True, validate=ID)
    memo = Text(load_default=None, validate=MEMO)

    @validates_schema
    def has_quantity(self, data, **kwargs):
        self._merge_quantity(data, required=True)


class BatchIn(Schema):
    period = fields.Str(required=True, validate=PERIOD)
    rule_id = fields.Int(required=True, strict=True, validate=ID)
    memo = Text(load_default=None, validate=MEMO)
    entries = fields.List(
        fields.Nested(BatchEntryIn), required=True, validate=validate.Length(1, 500)
    )


class BatchOut(Schema):
    items = fields.List(fields.Nested(AwardOut))
    count = fields.Int()
    points = fields.Int(metadata={"description": "signed total, from the households' side"})


class PreviewQuery(_Quantity):
    household_id = fields.Int(required=True, validate=ID)
    rule_id = fields.Int(required=True, validate=ID)
    period = fields.Str(load_default=None, validate=PERIOD)

    @validates_schema
    def has_quantity(self, data, **kwargs):
        self._merge_quantity(data, required=True)


class PreviewOut(Schema):
    household_id = fields.Int()
    rule_id = fields.Int()
    rule_version_id = fields.Int()
    quantity = fields.Float()
    points = fields.Int(metadata={"description": "signed, from the household's side"})
    period = fields.Str()
    cap_remaining = fields.Int(allow_none=True)
    needs_approval = fields.Bool()


class MonthQuery(Schema):
    period = fields.Str(load_default=None, validate=PERIOD)


class MyEntries(Schema):
    period = fields.Str()
    items = fields.List(fields.Nested(AwardOut))
    quota = fields.Int(allow_none=True)
    quota_remaining = fields.Int(allow_none=True)


# --- approvals -------------------------------------------------------------------------------


class ProposalIn(_Entry):
    @validates_schema
    def by_rule_or_ad_hoc(self, data, **kwargs):
        if data.get("rule_id") is not None:
            self._refuse_with_rule(data)
            self._merge_quantity(data, required=True)
        elif data.get("points") is None or data.get("category") is None:
            raise ValidationError(
                str(_l("Give a rule and quantity, or points and a category.")), "rule_id"
            )
        else:
            self._refuse_quantity(data)


class ApprovalQuery(PageQuery):
    status = fields.Str(load_default=None, validate=validate.OneOf(APPROVAL_STATUSES))


class DecisionIn(Schema):
    approve = fields.Bool(required=True)
    reason = Text(load_default=None, validate=validate.Length(max=500))


class ApprovalOut(Schema):
    id = fields.Int()
    village_id = fields.Int()
    household_id = fields.Int()
    rule_id = fields.Int(allow_none=True)
    rule_version_id = fields.Int(allow_none=True)
    quantity = fields.Float(allow_none=True)
    points = fields.Int()
    category = fields.Str()
    memo = fields.Str(allow_none=True)
    period = fields.Str()
    status = fields.Str()
    proposed_by_id = fields.Int()
    proposed_at = fields.DateTime()
    decided_by_id = fields.Int(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.Str(allow_none=True)
    transfer_id = fields.Int(allow_none=True)
    board_reason = fields.Str(allow_none=True)


ApprovalList = page_schema("ApprovalList", ApprovalOut)


# --- settings --------------------------------------------------------------------------------


class SettingsIn(Schema):
    approval_threshold = fields.Int(strict=True, validate=validate.Range(1, MAX_AMOUNT))
    leader_monthly_quota = fields.Int(
        allow_none=True,
        strict=True,
        validate=validate.Range(1, MAX_AMOUNT),
        metadata={"description": "null: no quota"},
    )
    black_board_days = fields.Int(strict=True, validate=validate.Range(1, 366))
    red_board_days = fields.Int(strict=True, validate=validate.Range(1, 366))


class SettingsOut(Schema):
    village_id = fields.Int(attribute="id")
    approval_threshold = fields.Int()
    leader_monthly_quota = fields.Int(allow_none=True)
    black_board_days = fields.Int()
    red_board_days = fields.Int()


class TransferRef(Schema):
    transfer_id = fields.Int(validate=validate.Range(1, MAX_BIG_ID))
