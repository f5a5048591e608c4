"""Villager pages: sign in with phone and PIN, choose a new PIN, and the household's page."""

from __future__ import annotations

import functools

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ..accounts import service as accounts
from ..accounts import villagers as auth
from ..accounts.auth import SESSION_TOKEN_KEY, VILLAGER_TOKEN_KEY, villager_page_principal
from ..errors import Unauthorized, ValidationFailed
from ..extensions import limiter
from ..forms import parse_form
from . import service

bp = Blueprint("villagers", __name__, template_folder="templates", url_prefix="/me")

REQUIRED = {"required": _l("Please fill this in.")}


class LoginForm(Schema):
    phone = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 32))
    pin = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 32))


class PinForm(Schema):
    pin = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 32))
    new_pin = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 32))
    new_pin_again = fields.Str(
        required=True, error_messages=REQUIRED, validate=validate.Length(1, 32)
    )


def villager_required(view):
    """Pages for a signed-in household; one whose PIN was set by an admin chooses one first."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        principal = villager_page_principal()
        if principal is None:
            return redirect(url_for("villagers.login"))
        if request.endpoint != "villagers.change_pin" and auth.household_must_change_pin(
            principal.household_id
        ):
            return redirect(url_for("villagers.change_pin"))
        return view(principal, *args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    errors: dict[str, list[str]] = {}
    phone = ""
    if request.method == "POST":
        values, errors = parse_form(LoginForm())
        phone = request.form.get("phone", "")
        if not errors:
            try:
                issued = auth.start_villager_session(values["phone"], values["pin"])
            except Unauthorized:
                errors = {
                    "form": [
                        _(
                            "Wrong phone number or PIN. After 5 wrong PINs, wait 15 minutes "
                            "before trying again."
                        )
                    ]
                }
            else:
                # Whatever session the cookie held before ends: a planted one is worthless.
                accounts.end_sessions(
                    session.get(VILLAGER_TOKEN_KEY), session.get(SESSION_TOKEN_KEY)
                )
                language = session.get("lang")
                session.clear()
                if language:
                    session["lang"] = language
                session[VILLAGER_TOKEN_KEY] = issued.token
                session.permanent = True
                if issued.pin_must_change:
                    return redirect(url_for("villagers.change_pin"))
                return redirect(url_for("villagers.home"))
    status = 422 if errors else 200
    return render_template("villagers/login.html", errors=errors, phone=phone), status


@bp.route("/pin", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@villager_required
def change_pin(principal):
    errors: dict[str, list[str]] = {}
    must = auth.household_must_change_pin(principal.household_id)
    if request.method == "POST":
        values, errors = parse_form(PinForm())
        if not errors and values["new_pin"] != values["new_pin_again"]:
            errors = {"new_pin_again": [_("The two new PINs are not the same.")]}
        if not errors:
            try:
                auth.change_pin(
                    principal,
                    values["pin"],
                    values["new_pin"],
                    keep_token=session.get(VILLAGER_TOKEN_KEY),
                )
            except ValidationFailed as refusal:
                errors = refusal.errors or {}
            else:
                flash(_("Your new PIN is saved."), "success")
                return redirect(url_for("villagers.home"))
    status = 422 if errors else 200
    return render_template("villagers/pin.html", errors=errors, must=must), status


@bp.route("/logout", methods=["POST"])
def logout():
    token = session.get(VILLAGER_TOKEN_KEY)
    if token:
        accounts.end_web_session(token)
    session.clear()
    flash(_("Signed out."), "success")
    return redirect(url_for("villagers.login"))


@bp.route("", methods=["GET"])
@villager_required
def home(principal):
    page = service.my_page(principal)
    return render_template("villagers/home.html", page=page, chart_height=service.CHART_HEIGHT)


@bp.context_processor
def signed_in_household():
    """Villager templates see which household is signed in (or None)."""
    return {"villager_principal": villager_page_principal}
