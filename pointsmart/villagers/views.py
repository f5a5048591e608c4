"""Villager pages: sign in with phone and PIN, choose a new PIN, and the household's page."""

from __future__ import annotations

import functools
import re

from flask import (
    Blueprint,
    abort,
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

from ..accounts import villagers as auth
from ..accounts.auth import (
    VILLAGER_TOKEN_KEY,
    begin_web_session,
    sign_out,
    villager_page_principal,
)
from ..board import objections
from ..counter.errors import PinLocked
from ..errors import Unauthorized, ValidationFailed
from ..extensions import sign_in_limited
from ..forms import REQUIRED, done, parse_form, run_once, submit, typed_twice
from ..replica import reads_from_replica
from ..text import MAX_REASON, Digits, Text, signed_points
from . import service

bp = Blueprint("villagers", __name__, template_folder="templates", url_prefix="/me")
# +10, −10 or 0, the same on every page that shows a household's points (the card page too).
bp.add_app_template_filter(signed_points, "signed_points")

BEFORE = re.compile(r"^[1-9][0-9]{0,9}\Z")


class LoginForm(Schema):
    phone = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 32))
    pin = Digits(required=True, error_messages=REQUIRED, validate=validate.Length(1, 32))


class PinForm(Schema):
    pin = Digits(required=True, error_messages=REQUIRED, validate=validate.Length(1, 32))
    new_pin = Digits(required=True, error_messages=REQUIRED, validate=validate.Length(1, 32))
    new_pin_again = Digits(required=True, error_messages=REQUIRED, validate=validate.Length(1, 32))
    same_pin = typed_twice("new_pin", _l("The two new PINs are not the same."))


def villager_required(view):
    """Pages for a signed-in household; one whose PIN was set by an admin chooses one first."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        principal = villager_page_principal()
        if principal is None:
            return redirect(url_for("villagers.login"))
        if request.endpoint != "villagers.change_pin" and principal.pin_must_change:
            return redirect(url_for("villagers.change_pin"))
        return view(principal, *args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limited(methods=["POST"])
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
                begin_web_session(VILLAGER_TOKEN_KEY, issued.token)
                if issued.pin_must_change:
                    return redirect(url_for("villagers.change_pin"))
                return redirect(url_for("villagers.home"))
    status = 422 if errors else 200
    return render_template("villagers/login.html", errors=errors, phone=phone), status


@bp.route("/pin", methods=["GET", "POST"])
@sign_in_limited(methods=["POST"])
@villager_required
def change_pin(principal):
    errors: dict[str, list[str]] = {}
    must = principal.pin_must_change
    if request.method == "POST":
        values, errors = parse_form(PinForm())
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
            except PinLocked as locked:  # too many wrong current PINs, here or elsewhere
                errors = {"pin": [" ".join(str(t) for t in (locked.title, locked.detail) if t)]}
            else:
                flash(_("Your new PIN is saved."), "success")
                return redirect(url_for("villagers.home"))
    status = 422 if errors else 200
    return render_template("villagers/pin.html", errors=errors, must=must), status


@bp.route("/logout", methods=["POST"])
def logout():
    sign_out(VILLAGER_TOKEN_KEY)
    flash(_("Signed out."), "success")
    return redirect(url_for("villagers.login"))


@bp.route("", methods=["GET"])
@reads_from_replica
@villager_required
def home(principal):
    before_text = request.args.get("before", "")
    if before_text and not BEFORE.match(before_text):
        abort(404)
    page = service.my_page(principal, before=int(before_text) if before_text else None)
    return render_template("villagers/home.html", page=page, chart_height=service.CHART_HEIGHT)


OBJECTION_FILED = _l(
    "Your objection is filed. The village committee will look at it and decide; the entry "
    "stays on the board until then."
)


class ObjectionForm(Schema):
    reason = Text(required=True, error_messages=REQUIRED, validate=validate.Length(1, MAX_REASON))


@bp.route("/objections/<int:entry_id>", methods=["GET", "POST"])
@villager_required
def objection(principal, entry_id):
    """Object (异议) to an entry on the public board, with the same rules as the API: while it
    is on the board, once per household, for a household of the entry's village."""
    entry = service.entry_to_object(principal, entry_id)

    def make(values):
        run_once(
            principal,
            {"entry_id": entry_id, **values},
            lambda: {"id": objections.raise_objection(principal, entry_id, **values).id},
        )
        return done(str(OBJECTION_FILED), "public_board.board", village_id=entry["village_id"])

    def page(errors):
        return render_template(
            "villagers/objection.html",
            entry=entry,
            errors=errors,
            reason=request.form.get("reason", ""),
        ), (422 if errors else 200)

    if request.method == "GET":
        return page({})
    return submit(ObjectionForm(), make, page, fields={"reason"})


@bp.context_processor
def signed_in_household():
    """Villager templates see which household is signed in (or None)."""
    return {"villager_principal": villager_page_principal}
