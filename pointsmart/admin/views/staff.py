"""Admin pages: a village's staff users and their roles (routes on ``views.bp``)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from ...accounts.auth import login_required, page_principal
from ...counter import goods
from ...errors import Problem
from ...forms import done, refusal_errors, submit
from ...villages.service import administered_village
from .. import staff
from ..forms import ConfirmForm, PasswordForm, RoleForm, UserForm
from .blueprint import bp


def _staff_page(village_id: int, *, values=None, errors=None, status=200):
    actor = page_principal()
    village = administered_village(actor, village_id)
    return (
        render_template(
            "admin/staff.html",
            village=village,
            rows=staff.list_staff(actor, village_id),
            shop_options=[(shop.id, shop.name) for shop in goods.list_shops(actor, village_id)],
            values=values or {},
            errors=errors or {},
        ),
        status,
    )


@bp.route("/villages/<int:village_id>/staff")
@login_required
def staff_list(village_id: int):
    return _staff_page(village_id)


@bp.route("/villages/<int:village_id>/staff", methods=["POST"])
@login_required
def create_user(village_id: int):
    def make(values):
        user = staff.create_staff_user(page_principal(), village_id=village_id, **values)
        return done(
            _("User %(name)s created.", name=user.username),
            "admin.user",
            village_id=village_id,
            user_id=user.id,
        )

    def page(errors):
        form = request.form.to_dict()
        form.pop("password", None)
        return _staff_page(village_id, values=form, errors=errors, status=422)

    return submit(UserForm(), make, page)


def _user_page(village_id: int, user_id: int, *, errors=None, status=200):
    actor = page_principal()
    village = administered_village(actor, village_id)
    row = staff.managed_user(actor, user_id)
    return (
        render_template(
            "admin/user.html",
            village=village,
            row=row,
            shop_options=[(shop.id, shop.name) for shop in goods.list_shops(actor, village_id)],
            shop_names={shop.id: shop.name for shop in goods.shops_for(actor)},
            errors=errors or {},
        ),
        status,
    )


@bp.route("/villages/<int:village_id>/users/<int:user_id>")
@login_required
def user(village_id: int, user_id: int):
    return _user_page(village_id, user_id)


def _user_form(village_id: int, user_id: int, schema, action, success: str):
    def make(values):
        administered_village(page_principal(), village_id)
        action(page_principal(), values)
        return done(success, "admin.user", village_id=village_id, user_id=user_id)

    return submit(
        schema, make, lambda errors: _user_page(village_id, user_id, errors=errors, status=422)
    )


@bp.route("/villages/<int:village_id>/users/<int:user_id>/active", methods=["POST"])
@login_required
def set_active(village_id: int, user_id: int):
    active = request.form.get("active") == "1"
    return _user_form(
        village_id,
        user_id,
        ConfirmForm(),
        lambda actor, values: staff.set_user_active(actor, user_id, active=active),
        _("The user can sign in again.") if active else _("The user is disabled and signed out."),
    )


@bp.route("/villages/<int:village_id>/users/<int:user_id>/password", methods=["POST"])
@login_required
def reset_password(village_id: int, user_id: int):
    return _user_form(
        village_id,
        user_id,
        PasswordForm(),
        lambda actor, values: staff.reset_password(actor, user_id, **values),
        _("The password is reset; the user's sessions have ended."),
    )


@bp.route("/villages/<int:village_id>/users/<int:user_id>/roles", methods=["POST"])
@login_required
def grant_role(village_id: int, user_id: int):
    return _user_form(
        village_id,
        user_id,
        RoleForm(),
        lambda actor, values: staff.grant_role(
            actor, user_id, village_id=village_id, role=values["role"], shop_id=values["shop_id"]
        ),
        _("Role granted."),
    )


@bp.route("/villages/<int:village_id>/roles/<int:role_id>/revoke", methods=["POST"])
@login_required
def revoke_role(village_id: int, role_id: int):
    """Back to the staff list: the user may now be outside this admin's reach."""
    user_id = staff.user_of_role(role_id)
    administered_village(page_principal(), village_id)
    try:
        staff.revoke_role(page_principal(), role_id)
    except Problem as problem:
        return _user_page(village_id, user_id, errors=refusal_errors(problem), status=422)
    return done(_("Role revoked."), "admin.staff_list", village_id=village_id)
