"""What the rule templates' API and pages read and write."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..ledger.models import CATEGORIES
from ..ledger.service import MAX_AMOUNT
from ..rules.models import UNITS
from ..rules.schemas import RuleRef
from ..schemas import A_DAY_OF_THE_CALENDAR, page_schema
from ..text import Name, Text

POINTS = validate.Range(-MAX_AMOUNT, MAX_AMOUNT)
NOTE = validate.Length(max=500)


def _bound(which: str) -> fields.Int:
    """One end of an entry's range, given or not (then the points)."""
    return fields.Int(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=POINTS,
        metadata={"description": f"the {which} points a village may set (default: points)"},
    )


class EntryIn(Schema):
    """One rule of a template. ``points_min`` / ``points_max`` default to ``points``: the
    village may not move them."""

    code = fields.Str(required=True, validate=validate.Length(1, 32))
    name = Name(required=True, validate=validate.Length(1, 100))
    category = fields.Str(required=True, validate=validate.OneOf(CATEGORIES))
    unit = fields.Str(load_default="each", validate=validate.OneOf(UNITS))
    points = fields.Int(
        required=True,
        strict=True,
        validate=POINTS,
        metadata={"description": "signed: + awards, - deducts; per unit; the county's points"},
    )
    points_min = _bound("lowest")
    points_max = _bound("highest")
    monthly_cap = fields.Int(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(1, MAX_AMOUNT)
    )


class TemplateIn(Schema):
    title = Name(required=True, validate=validate.Length(1, 100))
    note = Text(load_default="", validate=NOTE)
    entries = fields.List(fields.Nested(EntryIn), load_default=list)


class DraftIn(Schema):
    """Any of the three; ``entries`` replaces the draft's whole list."""

    title = Name(validate=validate.Length(1, 100))
    note = Text(validate=NOTE)
    entries = fields.List(fields.Nested(EntryIn))


class PublishIn(Schema):
    note = Text(load_default=None, validate=NOTE)


class RuleShape(Schema):
    """What a template's entry and its adoption into a village both say of the rule."""

    code = fields.Str()
    name = fields.Str()
    category = fields.Str()
    unit = fields.Str()
    points = fields.Int()
    points_min = fields.Int()
    points_max = fields.Int()
    monthly_cap = fields.Int(allow_none=True)


class EntryOut(RuleShape):
    id = fields.Int()


class VersionBrief(Schema):
    number = fields.Int(allow_none=True, metadata={"description": "null: the draft"})
    title = fields.Str()
    note = fields.Str()
    published_at = fields.DateTime(allow_none=True)


VersionList = page_schema("VersionList", VersionBrief)


class VersionOut(VersionBrief):
    template_id = fields.Int()
    region_id = fields.Int()
    entries = fields.List(fields.Nested(EntryOut))


class TemplateOut(Schema):
    id = fields.Int()
    region_id = fields.Int()
    title = fields.Str()
    latest_version = fields.Int(allow_none=True)
    versions = fields.List(fields.Nested(VersionBrief), metadata={"description": "published"})
    draft = fields.Nested(VersionOut, allow_none=True, metadata={"description": "its managers"})
    created_at = fields.DateTime()


TemplateList = page_schema("TemplateList", TemplateOut)


# --- a village's side ------------------------------------------------------------------------


class OfferOut(Schema):
    template_id = fields.Int()
    title = fields.Str()
    latest_version = fields.Int()
    adopted_version = fields.Int(allow_none=True)
    adopted_from = fields.Date(allow_none=True)
    newer_available = fields.Bool(
        metadata={"description": "a version newer than the adopted one (or any, never adopted)"}
    )


class OfferList(Schema):
    items = fields.List(fields.Nested(OfferOut))
    notice = fields.Bool(metadata={"description": "some template has a version not adopted"})
    next_after = fields.Int(allow_none=True)


class ChoiceIn(Schema):
    code = fields.Str(required=True, validate=validate.Length(1, 32))
    points = fields.Int(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=POINTS,
        metadata={"description": "the village's points within the range (default: the county's)"},
    )


class AdoptionIn(Schema):
    template_id = fields.Int(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    number = fields.Int(
        required=True, strict=True, data_key="version", validate=validate.Range(1, 2**31 - 1)
    )
    valid_from = fields.Date(
        load_default=None,
        validate=A_DAY_OF_THE_CALENDAR,
        metadata={"description": "village-local day, today or later (default today)"},
    )
    entries = fields.List(
        fields.Nested(ChoiceIn),
        load_default=None,
        metadata={"description": "the rules to adopt, with the village's points; default: all"},
    )

    @validates_schema
    def some_entries(self, data, **kwargs):
        if data.get("entries") == []:
            raise ValidationError(str(_l("Choose at least one rule.")), "entries")


class PlannedEntryOut(RuleShape):
    code = fields.Str(metadata={"description": "the template's code"})
    county_points = fields.Function(lambda p: p.entry.points)
    points = fields.Int(metadata={"description": "the village's points from valid_from"})
    action = fields.Str(metadata={"description": "new_rule or new_version"})
    rule_id = fields.Int(allow_none=True)
    rule_code = fields.Str(metadata={"description": "the rule's code in the village"})
    current_points = fields.Int(allow_none=True)
    rule_version_id = fields.Int(allow_none=True)


class RuleBrief(RuleRef):
    """A village's rule as a plan names it: the rules' own reference (its OpenAPI name kept)."""


class PlanOut(Schema):
    id = fields.Int(allow_none=True, metadata={"description": "the adoption; null in a preview"})
    village_id = fields.Function(lambda p: p.village.id)
    template_id = fields.Int()
    version = fields.Int(attribute="number")
    title = fields.Function(lambda p: p.version.title)
    valid_from = fields.Date()
    entries = fields.List(fields.Nested(PlannedEntryOut))
    left_out = fields.Function(lambda p: [entry.code for entry in p.left_out])
    dropped = fields.List(
        fields.Nested(RuleBrief),
        metadata={"description": "rules adopted before whose codes this version no longer has"},
    )


class AdoptionOut(Schema):
    id = fields.Int()
    template_id = fields.Int()
    version = fields.Int()
    title = fields.Str()
    valid_from = fields.Date()
    adopted_by_id = fields.Int(allow_none=True)
    adopted_at = fields.DateTime()


AdoptionList = page_schema("AdoptionList", AdoptionOut)


# --- page forms (strings from the browser) ---------------------------------------------------


class TitleForm(Schema):
    title = Name(required=True, validate=validate.Length(1, 100))
    note = Text(load_default="", validate=NOTE)


class EntryForm(Schema):
    """One rule of the draft, from the page. An empty range means fixed points."""

    code = fields.Str(required=True, validate=validate.Length(1, 32))
    name = Name(required=True, validate=validate.Length(1, 100))
    category = fields.Str(required=True, validate=validate.OneOf(CATEGORIES))
    unit = fields.Str(load_default="each", validate=validate.OneOf(UNITS))
    points = fields.Int(required=True, validate=POINTS)
    points_min = fields.Int(load_default=None, validate=POINTS)
    points_max = fields.Int(load_default=None, validate=POINTS)
    monthly_cap = fields.Int(load_default=None, validate=validate.Range(1, MAX_AMOUNT))


class PublishForm(Schema):
    note = Text(load_default=None, validate=NOTE)


class AdoptForm(Schema):
    """The day; the chosen rules and their points are ``include-<entry id>`` and
    ``points-<entry id>`` fields, read by the view."""

    valid_from = fields.Date(load_default=None, validate=A_DAY_OF_THE_CALENDAR)
