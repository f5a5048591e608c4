"""Admin pages: households (list with search and paging, add, edit, move) and their members,
moving away and the villager PIN reset (routes on ``views.bp``)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...accounts.auth import login_required, page_principal
from ...counter import pins
from ...forms import done, parse_form, submit
from ...households import service as household_service
from ...households.models import Member
from ...ledger import queries as ledger_queries
from ...lookups import get_or_refuse
from ...villages import service as villages
from .. import households
from ..forms import ConfirmForm, HouseholdForm, MemberForm, MoveForm, PinForm, SearchForm
from .blueprint import bp

PAGE_SIZE = 30


def _list_page(village_id: int, *, errors=None):
    """The list with its add form; with ``errors``, the form as sent and 422."""
    actor = page_principal()
    village = villages.administered_village(actor, village_id)
    query, _errors = parse_form(SearchForm(), request.args.to_dict())
    rows = household_service.search_households(
        actor, village_id, q=query.get("q"), after=query.get("after"), limit=PAGE_SIZE
    )
    return (
        render_template(
            "admin/households.html",
            village=village,
            rows=rows[:PAGE_SIZE],
            next_after=rows[PAGE_SIZE - 1]["id"] if len(rows) > PAGE_SIZE else None,
            q=query.get("q") or "",
            first_page=query.get("after") is None,
            grid_options=[(grid.id, grid.name) for grid in villages.list_grids(actor, village_id)],
            values=request.form.to_dict() if errors else {},
            errors=errors or {},
        ),
        422 if errors else 200,
    )


@bp.route("/villages/<int:village_id>/households")
@login_required
def households_list(village_id: int):
    return _list_page(village_id)


@bp.route("/villages/<int:village_id>/households", methods=["POST"])
@login_required
def add_household(village_id: int):
    def make(values):
        view = household_service.create_household(page_principal(), village_id, **values)
        return done(
            _("Household %(n)s added.", n=view.number), "admin.household", household_id=view.id
        )

    return submit(HouseholdForm(), make, lambda errors: _list_page(village_id, errors=errors))


def _household_page(household_id: int, *, errors=None):
    actor = page_principal()
    household = households.administered_household(actor, household_id)
    village = villages.administered_village(actor, household.village_id)
    return (
        render_template(
            "admin/household.html",
            village=village,
            household=household,
            balance=ledger_queries.household_balance(household.village_id, household.id),
            grid_options=[
                (grid.id, grid.name) for grid in villages.list_grids(actor, household.village_id)
            ],
            pin=pins.pin_state(household),
            errors=errors or {},
        ),
        422 if errors else 200,
    )


@bp.route("/households/<int:household_id>")
@login_required
def household(household_id: int):
    return _household_page(household_id)


def _household_form(household_id: int, schema, action, success: str):
    """Parse ``schema``, run ``action(actor, values)``; back to the household page."""

    def make(values):
        action(page_principal(), values)
        return done(success, "admin.household", household_id=household_id)

    return submit(schema, make, lambda errors: _household_page(household_id, errors=errors))


@bp.route("/households/<int:household_id>/edit", methods=["POST"])
@login_required
def edit_household(household_id: int):
    return _household_form(
        household_id,
        HouseholdForm(exclude=("grid_id",)),
        lambda actor, values: households.update_household(actor, household_id, **values),
        _("Household saved."),
    )


@bp.route("/households/<int:household_id>/move", methods=["POST"])
@login_required
def move_household(household_id: int):
    return _household_form(
        household_id,
        MoveForm(),
        lambda actor, values: households.move_household(actor, household_id, **values),
        _("Household moved to the chosen grid."),
    )


@bp.route("/households/<int:household_id>/members", methods=["POST"])
@login_required
def add_member(household_id: int):
    return _household_form(
        household_id,
        MemberForm(),
        lambda actor, values: households.add_member(actor, household_id, **values),
        _("Member added."),
    )


def _member_household(member_id: int) -> int:
    member = get_or_refuse(Member, member_id, _l("No such household member."))
    return member.household_id


@bp.route("/members/<int:member_id>", methods=["POST"])
@login_required
def edit_member(member_id: int):
    return _household_form(
        _member_household(member_id),
        MemberForm(),
        lambda actor, values: households.update_member(actor, member_id, **values),
        _("Member saved."),
    )


@bp.route("/members/<int:member_id>/remove", methods=["POST"])
@login_required
def remove_member(member_id: int):
    return _household_form(
        _member_household(member_id),
        ConfirmForm(),
        lambda actor, values: households.remove_member(actor, member_id),
        _("Member removed."),
    )


@bp.route("/households/<int:household_id>/moved-away", methods=["POST"])
@login_required
def moved_away(household_id: int):
    return _household_form(
        household_id,
        ConfirmForm(),
        lambda actor, values: households.mark_moved_away(actor, household_id),
        _("The household is marked as moved away; its history stays."),
    )


@bp.route("/households/<int:household_id>/pin", methods=["POST"])
@login_required
def reset_pin(household_id: int):
    return _household_form(
        household_id,
        PinForm(),
        lambda actor, values: pins.set_pin(actor, household_id, values["pin"]),
        _("The PIN is set. The household must choose a new one at its next sign-in."),
    )
