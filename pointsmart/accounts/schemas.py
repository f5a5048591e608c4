"""What the auth API reads and writes."""

from marshmallow import Schema, fields, validate


class TokenIn(Schema):
    username = fields.Str(required=True, validate=validate.Length(1, 64))
    password = fields.Str(required=True, validate=validate.Length(1, 256), load_only=True)


class RoleOut(Schema):
    role = fields.Str()
    village_id = fields.Int(allow_none=True)
    shop_id = fields.Int(allow_none=True)


class UserOut(Schema):
    id = fields.Int(allow_none=True)
    username = fields.Str()
    household_id = fields.Int(allow_none=True)
    roles = fields.List(fields.Nested(RoleOut))


class TokenOut(Schema):
    token = fields.Str()
    expires_at = fields.DateTime()
    user = fields.Nested(UserOut)
