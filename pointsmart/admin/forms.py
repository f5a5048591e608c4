"""The admin pages' form schemas: they turn submitted text into plain values; the services
check the rules (uniqueness, ranges that depend on the village) and refuse with field errors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ..counter.pins import Pin
from ..forms import REQUIRED, WHOLE
from ..schemas import A_DAY_OF_THE_CALENDAR, MAX_ID
from ..text import HouseholdNumber, Name

ROLE_CHOICES = ("admin", "leader", "shopkeeper")


def _int(required: bool = False, **kwargs) -> fields.Int:
    if required:
        return fields.Int(required=True, error_messages=WHOLE, **kwargs)
    return fields.Int(load_default=None, error_messages=WHOLE, **kwargs)


class SettingsForm(Schema):
    name = Name(required=True, error_messages=REQUIRED, validate=validate.Length(1, 100))
    timezone = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 64))
    # Text: the service refuses more than 2 decimal places with a clear message.
    yuan_per_point = fields.Str(required=True, error_messages=REQUIRED)
    approval_threshold = _int(required=True)
    leader_monthly_quota = _int()
    black_board_days = _int(required=True)
    red_board_days = _int(required=True)
    pin_required_above = _int()
    # Left out (an older form): the village keeps its limit.
    offline_limit = fields.Int(error_messages=WHOLE)
    phone = fields.Str(load_default=None, validate=validate.Length(max=30))
    # A checkbox sends "on" when ticked and nothing otherwise.
    mask_names = fields.Bool(load_default=False, truthy={"on", "1", "true"})
    year_end_clearing = fields.Bool(load_default=False, truthy={"on", "1", "true"})


class ConfirmForm(Schema):
    """A button with nothing to fill in (the CSRF token is checked before)."""


class NameForm(Schema):
    name = Name(required=True, error_messages=REQUIRED, validate=validate.Length(1, 100))


class HouseholdForm(Schema):
    number = HouseholdNumber(
        required=True, error_messages=REQUIRED, validate=validate.Length(1, 32)
    )
    head_name = Name(required=True, error_messages=REQUIRED, validate=validate.Length(1, 50))
    phone = fields.Str(load_default=None, validate=validate.Length(max=40))  # checked as digits
    grid_id = _int()


class MoveForm(Schema):
    grid_id = _int()


class MemberForm(Schema):
    name = Name(required=True, error_messages=REQUIRED, validate=validate.Length(1, 50))
    relation = Name(load_default="", validate=validate.Length(max=20))


class PinForm(Schema):
    pin = Pin(required=True, error_messages=REQUIRED)


class SearchForm(Schema):
    q = fields.Str(load_default=None, validate=validate.Length(max=200))  # a scanned card URL
    after = fields.Int(load_default=None, validate=validate.Range(1, MAX_ID))


class RoleForm(Schema):
    role = fields.Str(
        required=True,
        error_messages=REQUIRED,
        validate=validate.OneOf(ROLE_CHOICES, error=_l("Unknown role.")),
    )
    shop_id = _int()


class UserForm(RoleForm):
    """A new staff user with a first role."""

    username = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 64))
    display_name = Name(load_default="", validate=validate.Length(max=50))
    password = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 256))


class PasswordForm(Schema):
    password = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 256))


class RuleForm(Schema):
    code = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 32))
    name = Name(required=True, error_messages=REQUIRED, validate=validate.Length(1, 100))
    category = fields.Str(
        required=True,
        error_messages=REQUIRED,
        validate=validate.OneOf(
            ("volunteer", "red", "black", "rule", "other"), error=_l("Choose a category.")
        ),
    )
    unit = fields.Str(
        load_default="each", validate=validate.OneOf(("each", "hour"), error=_l("Choose a unit."))
    )
    points = _int(required=True)
    monthly_cap = _int(validate=validate.Range(min=1, error=_l("1 or more points, or empty.")))


class RuleVersionForm(Schema):
    points = _int(required=True)
    monthly_cap = _int(validate=validate.Range(min=1, error=_l("1 or more points, or empty.")))
    valid_from = fields.Date(
        load_default=None,
        validate=A_DAY_OF_THE_CALENDAR,
        error_messages={"invalid": _l("Write a date such as 2026-12-01.")},
    )
