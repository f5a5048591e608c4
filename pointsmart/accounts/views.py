"""Signing in and out on the web (staff)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
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

from ..errors import Unauthorized, ValidationFailed
from ..extensions import sign_in_limited
from ..forms import REQUIRED, parse_form, typed_twice
from . import service
from .auth import SESSION_TOKEN_KEY, begin_web_session, login_required, page_principal, sign_out
from .sign_in_delays import SignInWaiting

bp = Blueprint("accounts", __name__, template_folder="templates")


class LoginForm(Schema):
    username = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 64))
    password = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 256))


def safe_next(target: str | None) -> str | None:
    """Only a path on this site; never another host (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def landing_page(principal) -> str:
    """Where a sign-in leads when no page asked for it: to the pages of the one kind of work
    the person does (the counter, the leader's village, the committee's pages, the township's
    or county's); someone with several kinds to the home page, which offers each."""
    kinds = [
        endpoint
        for endpoint, held in (
            ("counter_pages.counter_home", principal.shops),
            ("awards_pages.home", principal.leader_villages),
            ("admin.home", principal.admin_villages or principal.global_admin),
            ("regions_pages.home", principal.county_regions or principal.township_regions),
        )
        if held
    ]
    return url_for(kinds[0] if len(kinds) == 1 else "site.home")


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limited(methods=["POST"])
def login():
    next_page = safe_next(request.values.get("next"))
    errors: dict[str, list[str]] = {}
    username = ""
    if request.method == "POST":
        values, errors = parse_form(LoginForm())
        username = request.form.get("username", "")
        if not errors:
            try:
                issued = service.start_web_session(values["username"], values["password"])
            except Unauthorized:
                errors = {"form": [_("Wrong username or password.")]}
            except SignInWaiting as waiting:
                errors = {"form": [f"{waiting.title} {waiting.detail}"]}
            else:
                begin_web_session(SESSION_TOKEN_KEY, issued.token)
                flash(_("Signed in. Welcome, %(name)s.", name=issued.display_name), "success")
                return redirect(next_page or landing_page(issued.principal))
    status = 422 if errors else 200
    return (
        render_template(
            "accounts/login.html", errors=errors, username=username, next_page=next_page
        ),
        status,
    )


@bp.route("/logout", methods=["POST"])
def logout():
    sign_out(SESSION_TOKEN_KEY)
    flash(_("Signed out."), "success")
    return redirect(url_for("site.home"))


class PasswordForm(Schema):
    password = fields.Str(required=True, error_messages=REQUIRED, validate=validate.Length(1, 256))
    new_password = fields.Str(
        required=True, error_messages=REQUIRED, validate=validate.Length(1, 256)
    )
    new_password_again = fields.Str(
        required=True, error_messages=REQUIRED, validate=validate.Length(1, 256)
    )
    same_password = typed_twice("new_password", _l("The two new passwords are not the same."))


@bp.route("/account/password", methods=["GET", "POST"])
@sign_in_limited(methods=["POST"])
@login_required
def change_password():
    """A signed-in staff member chooses a new password; their other sessions and tokens end."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values, errors = parse_form(PasswordForm())
        if not errors:
            try:
                service.change_password(
                    page_principal(),
                    values["password"],
                    values["new_password"],
                    keep_token=session.get(SESSION_TOKEN_KEY),
                )
            except ValidationFailed as refusal:
                errors = refusal.errors or {}
            except SignInWaiting as waiting:  # too many wrong passwords, here or at sign-in
                said = (waiting.title, waiting.detail)
                errors = {"password": [" ".join(str(part) for part in said if part)]}
            else:
                flash(
                    _("Your new password is saved. You are signed out everywhere else."),
                    "success",
                )
                return redirect(url_for("site.home"), 303)
    status = 422 if errors else 200
    return render_template("accounts/password.html", errors=errors), status


@bp.app_context_processor
def signed_in_user():
    """Templates see who is signed in (or None)."""
    return {"current_principal": page_principal}
