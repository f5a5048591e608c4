"""What the regions API and pages read and write."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ..schemas import MAX_ID
from ..text import Name
from .models import LEVELS

ID = validate.Range(1, MAX_ID)
PERIOD_OR_YEAR = validate.Regexp(
    r"^[0-9]{4}(-(0[1-9]|1[0-2]))?\Z", error=_l("A period is written YYYY-MM or YYYY.")
)


class RegionIn(Schema):
    name = Name(required=True, validate=validate.Length(1, 100))
    level = fields.Str(
        required=True,
        validate=validate.OneOf(LEVELS),
        metadata={"description": "county (no parent) or township (parent_id: its county)"},
    )
    parent_id = fields.Int(load_default=None, allow_none=True, strict=True, validate=ID)


class RegionOut(Schema):
    id = fields.Int()
    name = fields.Str()
    level = fields.Str()
    parent_id = fields.Int(allow_none=True)
    top3_share_limit = fields.Int(metadata={"description": "a county's flag level, percent"})
    reversal_rate_limit = fields.Int(metadata={"description": "a county's flag level, percent"})


class LevelsIn(Schema):
    """A county's levels for two of its dashboard's flags (percent): whole numbers in JSON
    (``1.5`` is refused, not cut to 1)."""

    top3_share_limit = fields.Int(strict=True, validate=validate.Range(1, 100))
    reversal_rate_limit = fields.Int(strict=True, validate=validate.Range(1, 100))


class LevelsForm(Schema):
    """The county's page: the same levels, typed as text."""

    top3_share_limit = fields.Int(validate=validate.Range(1, 100))
    reversal_rate_limit = fields.Int(validate=validate.Range(1, 100))


class RegionList(Schema):
    items = fields.List(fields.Nested(RegionOut))


class TownshipForm(Schema):
    """The county's page: a new township."""

    name = Name(required=True, validate=validate.Length(1, 100))


class VillageForm(Schema):
    """The county's page: a new village in one of its townships."""

    name = Name(required=True, validate=validate.Length(1, 100))
    region_id = fields.Int(required=True, validate=ID)


class VillageAdminForm(Schema):
    """The county's page: the first admin of one of its villages."""

    village_id = fields.Int(required=True, validate=ID)
    username = fields.Str(required=True, validate=validate.Length(1, 64))
    password = fields.Str(required=True, validate=validate.Length(1, 256), load_only=True)
    display_name = Name(load_default="", validate=validate.Length(0, 50))


class DashboardQuery(Schema):
    period = fields.Str(
        load_default=None,
        validate=PERIOD_OR_YEAR,
        metadata={"description": "a month YYYY-MM or a year YYYY; default: this month"},
    )


class FlagOut(Schema):
    code = fields.Str(metadata={"description": "what to look at (see docs/api.md)"})
    detail = fields.Str()
    url = fields.Str(metadata={"description": "the page with the evidence"})


class DashboardTotalsOut(Schema):
    households = fields.Int()
    active_households = fields.Int()
    active_share = fields.Decimal(places=1, as_string=True)
    points_issued = fields.Int()
    points_deducted = fields.Int()
    points_redeemed = fields.Int()
    issued_per_household = fields.Decimal(places=1, as_string=True)
    deducted_per_household = fields.Decimal(places=1, as_string=True)
    redeemed_per_household = fields.Decimal(places=1, as_string=True)
    red_entries = fields.Int()
    black_entries = fields.Int()
    approvals_pending = fields.Int()
    objections_open = fields.Int()
    owed_yuan = fields.Decimal(places=2, as_string=True)


class _DashboardVillage(Schema):
    """Which village a dashboard row is about."""

    village_id = fields.Int()
    name = fields.Str()
    township_id = fields.Int(allow_none=True)


class DashboardVillageOut(DashboardTotalsOut, _DashboardVillage):
    """A village's row: the totals' figures for one village, then its rank and flags.
    (marshmallow takes the bases' fields from the last base to the first: the village, then
    the figures; a field declared again here keeps its place.)"""

    active_share = fields.Decimal(places=1, as_string=True, metadata={"description": "percent"})
    owed_months = fields.Int()
    rank = fields.Int(metadata={"description": "by active share; ties share a rank"})
    flags = fields.List(fields.Nested(FlagOut))


class DashboardMonthOut(Schema):
    period = fields.Str()
    issued = fields.Int()
    deducted = fields.Int()


class DashboardOut(Schema):
    region = fields.Nested(RegionOut)
    period = fields.Str()
    villages = fields.List(fields.Nested(DashboardVillageOut))
    totals = fields.Nested(DashboardTotalsOut)
    months = fields.List(fields.Nested(DashboardMonthOut), metadata={"description": "12 months"})
