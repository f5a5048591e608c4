"""JSON API: the committee records and stops consents, sets the cap, reads the overview."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..accounts.auth import current_principal
from ..api import Blueprint
from . import service

blp = Blueprint("notify_api", __name__, description="Text messages to households")


class ConsentIn(Schema):
    phone = fields.Str(required=True, validate=validate.Length(1, 40))


class ConsentOut(Schema):
    household_id = fields.Int(required=True)
    phone = fields.Str(required=True)
    consented_at = fields.DateTime(required=True)
    stopped_at = fields.DateTime(allow_none=True)
    stopped_via = fields.Str(allow_none=True)
    moved_away = fields.Bool(
        required=True, metadata={"description": "the household moved away: no more texts"}
    )


class CapIn(Schema):
    monthly_cap = fields.Int(
        required=True, strict=True, validate=validate.Range(0, service.MAX_MONTHLY_CAP)
    )


class OverviewOut(Schema):
    configured = fields.Bool(required=True)
    missing_settings = fields.List(fields.Str(), required=True)
    period = fields.Str(required=True)
    monthly_cap = fields.Int(required=True)
    sent_this_month = fields.Int(required=True)
    by_status = fields.Dict(keys=fields.Str(), values=fields.Int(), required=True)
    consents = fields.List(fields.Nested(ConsentOut), required=True)
    quiet_hours = fields.Str(
        allow_none=True,
        required=True,
        metadata={"description": "HH:MM-HH:MM on the village's clock: no text is sent then"},
    )


@blp.route("/villages/<int:village_id>/sms", methods=["GET"])
@blp.response(200, OverviewOut)
def overview(village_id):
    """Whether texts are set up, the month's count against the cap, the consents (admins)."""
    return service.overview(current_principal(), village_id)


@blp.route("/villages/<int:village_id>/sms-settings", methods=["PUT"])
@blp.arguments(CapIn)
@blp.response(200, CapIn)
def set_cap(body, village_id):
    """The village's monthly cap on texts sent (admins)."""
    return {
        "monthly_cap": service.set_monthly_cap(current_principal(), village_id, body["monthly_cap"])
    }


@blp.route("/households/<int:household_id>/sms-consent", methods=["PUT"])
@blp.arguments(ConsentIn)
@blp.response(200, ConsentOut)
def record_consent(body, household_id):
    """Record the household's consent to texts on a mobile number (admins of its village)."""
    return service.record_consent(current_principal(), household_id, **body)


@blp.route("/households/<int:household_id>/sms-consent", methods=["DELETE"])
@blp.response(204)
def stop_consent(household_id):
    """Stop the household's texts (admins of its village)."""
    service.stop(current_principal(), household_id)
