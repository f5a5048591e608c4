"""The JSON API under /api/v1, described by OpenAPI through flask-smorest: the API object,
its blueprint class, and how a package registers its blueprint on it. The request hooks every
request passes through live in ``request_cycle``."""

from __future__ import annotations

import http
from decimal import Decimal

from flask import Flask
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.spec import prepare_response
from marshmallow import fields

from .extensions import csrf
from .schemas import ProblemSchema

PROBLEM_JSON = "application/problem+json"


class Api(SmorestApi):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """pointsmart.errors registers the one error envelope for the whole app."""

    def _register_responses(self):
        """Document every error as what it is: application/problem+json (see errors.py)."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A refusal", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


api = Api()


class Blueprint(SmorestBlueprint):
    """flask-smorest's blueprint, building each argument schema once.

    Given a schema class, webargs builds an instance (and its nested schemas) on every
    request; an instance is reused. Schemas hold no per-request state.
    """

    def arguments(self, schema, *args, **kwargs):
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


def decimal_as_string(converter, field, ret: dict, **kwargs) -> dict:
    """apispec attribute function: document Decimal fields as they travel.

    apispec calls every Decimal a number, whatever ``as_string`` says, and copies a Range's
    bounds as Decimals, which the JSON encoder writes as strings ("1000000"): no valid JSON
    Schema. Bounds become numbers, and a Decimal sent as a string ("0.10", the yuan amounts,
    so that no client rounds them through a float) is documented as a string.
    """
    if not isinstance(field, fields.Decimal):
        return {}
    changed = {
        bound: _json_number(ret[bound])
        for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        if isinstance(ret.get(bound), Decimal)
    }
    if field.as_string:
        changed.update({"type": "string", "format": "decimal"})
        for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            ret.pop(bound, None)
            changed.pop(bound, None)
    return changed


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def init_api(app: Flask) -> None:
    """Bind the API object to the app and describe its security; packages then register
    their blueprints with :func:`register`."""
    api.init_app(app)
    api.ma_plugin.converter.add_attribute_function(decimal_as_string)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/token"}
    )
    api.spec.options["security"] = [{"bearer": []}]


def register(blueprint: Blueprint) -> None:
    """Serve a package's API blueprint under /api/v1."""
    api.register_blueprint(blueprint, url_prefix="/api/v1")
    # The API authenticates with bearer tokens, never cookies, so CSRF cannot apply.
    csrf.exempt(blueprint)
