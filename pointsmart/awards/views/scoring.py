"""The monthly scoring grid: a grid's households against the village-rule items of a month,
ticked or given quantities, saved at once (all entries or none). What is offered (months,
items) is ``scoring``'s to decide."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...accounts.auth import login_required
from ...errors import Problem
from ...forms import act_on_page, form_id, query_id, refusal_message
from .. import batches, scoring
from ..errors import BatchRefused
from .blueprint import bp
from .pages import leader_village

CELL = re.compile(r"^q-(?P<household>\d{1,10})-(?P<rule>\d{1,10})$")


def grid_page(actor, village, grid_id, period, *, entered=None, cell_errors=None, errors=None):
    page = scoring.grid_of(actor, village, grid_id, period)
    return render_template(
        "awards/scoring.html",
        village=village,
        page=page,
        entered=entered or {},
        cell_errors=cell_errors or {},
        errors=errors or [],
    )


@bp.route("/leader/<int:village_id>/scoring", endpoint="scoring")
@login_required
def scoring_grid(village_id: int):
    actor, village = leader_village(village_id)
    grid_id = query_id("grid_id")
    return grid_page(actor, village, grid_id, request.args.get("period"))


@bp.route("/leader/<int:village_id>/scoring", methods=["POST"])
@login_required
def save_scoring(village_id: int):
    """Post every ticked or entered cell of the grid for the month: all, or none."""
    actor, village = leader_village(village_id)
    period, grid_id = request.form.get("period", ""), request.form.get("grid_id", type=int)
    if period not in scoring.scoring_months(actor, village):
        return grid_page(
            actor, village, grid_id, None, errors=[_("Choose one of the months shown.")]
        ), 422
    cells = _cells_from_form()
    if not cells:
        return grid_page(
            actor, village, grid_id, period, errors=[_("Nothing was ticked or entered.")]
        ), 422
    entries = [batches.BatchEntry(household_id=h, rule_id=r, quantity=v) for h, r, v in cells]

    def produce() -> dict:
        return {"count": len(batches.post_batch(actor, entries, period=period))}

    def page(errors: dict, status: int):
        entered = {(h, r): v for h, r, v in cells}
        return grid_page(actor, village, grid_id, period, entered=entered, **errors), status

    payload = {"period": period, "cells": sorted(cells)}
    saved = _saved(village_id, grid_id, period)
    return act_on_page(actor, payload, produce, page, saved, errors=_refusal_of(cells))


def _saved(village_id: int, grid_id: int | None, period: str):
    """Once saved: the count said, and the same grid and month again (to go on entering)."""

    def saved(result: dict):
        message = _("Saved %(count)s entries for %(period)s.", count=result["count"], period=period)
        flash(message, "success")
        return redirect(
            url_for("awards_pages.scoring", village_id=village_id, grid_id=grid_id, period=period)
        )

    return saved


def _cells_from_form() -> list[tuple[int, int, str]]:
    """The grid's ticked or entered cells: (household id, rule id, what was entered). A cell
    whose name holds no ids the page can have written (``q-9999999999-1``, which PostgreSQL's
    INTEGER refused with a 500) is no cell of the grid."""
    cells = []
    for name, value in request.form.items():
        match = CELL.match(name)
        value = value.strip()
        if match and value and value != "0":
            household_id, rule_id = form_id(match["household"]), form_id(match["rule"])
            if household_id is not None and rule_id is not None:
                cells.append((household_id, rule_id, value))
    return cells


def _refusal_of(cells: list[tuple[int, int, str]]):
    """A refused batch as the grid shows it: the message on top, and each refused entry's
    reason in its cell."""

    def refusal(problem: Problem) -> dict:
        if not isinstance(problem, BatchRefused):
            return {"errors": [refusal_message(problem)]}
        cell_errors = {}
        for bad in problem.extra["entries"]:
            household_id, rule_id, _value = cells[bad["index"]]
            cell_errors[(household_id, rule_id)] = _cell_message(bad)
        return {"errors": [str(problem.detail)], "cell_errors": cell_errors}

    return refusal


def _cell_message(bad: dict) -> str:
    """A refused cell in its own words: the field's message (几小时不对...), not the generic
    "some fields are wrong" of a validation refusal."""
    messages = [
        str(message)
        for field_messages in (bad.get("errors") or {}).values()
        if isinstance(field_messages, list)
        for message in field_messages
    ]
    return " ".join(messages) or bad["detail"]
