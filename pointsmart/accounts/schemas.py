"""What the auth API reads and writes."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class TokenIn(Schema):
    """Staff send ``username`` and ``password``; villagers send ``phone`` and ``pin``."""

    username = fields.Str(validate=validate.Length(1, 64))
    password = fields.Str(validate=validate.Length(1, 256), load_only=True)
    phone = fields.Str(validate=validate.Length(1, 32))
    pin = fields.Str(validate=validate.Length(1, 32), load_only=True)

    @validates_schema
    def one_shape(self, data, **kwargs):
        staff = "username" in data or "password" in data
        villager = "phone" in data or "pin" in data
        required = str(_l("Missing data for required field."))
        if staff and villager:
            raise ValidationError(
                str(_l("Send either a username and password or a phone number and PIN.")),
                "_schema",
            )
        names = ("phone", "pin") if villager else ("username", "password")
        missing = {name: [required] for name in names if name not in data}
        if missing:
            raise ValidationError(missing)


class PinChangeIn(Schema):
    pin = fields.Str(required=True, validate=validate.Length(1, 32), load_only=True)
    new_pin = fields.Str(required=True, validate=validate.Length(1, 32), load_only=True)


class RoleOut(Schema):
    role = fields.Str()
    village_id = fields.Int(allow_none=True)
    shop_id = fields.Int(allow_none=True)
    region_id = fields.Int(allow_none=True, metadata={"description": "county or township roles"})


class UserOut(Schema):
    id = fields.Int(allow_none=True)
    username = fields.Str()
    household_id = fields.Int(allow_none=True)
    roles = fields.List(fields.Nested(RoleOut))


class TokenOut(Schema):
    token = fields.Str()
    expires_at = fields.DateTime()
    user = fields.Nested(UserOut)
    # A villager whose PIN was set by an admin must choose a new one (POST /auth/pin) first.
    pin_must_change = fields.Bool()
