"""The statement slip pages, for the village's leaders (grid workers) and admins.

* ``/villages/<id>/statements``: choose the month and the grid, then print.
* ``/villages/<id>/statements.pdf?month=YYYY-MM&grid_id=``: the slips as an A4 PDF.

Anyone not signed in goes to the sign-in page; the service refuses everyone but the
village's leaders and admins (403).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from ..accounts.auth import login_required, page_principal
from ..extensions import db
from ..forms import query_id
from ..households.card_sheet import grids_of
from ..periods import current_period, previous_periods
from ..replica import replica_blueprint
from ..villages.models import Village
from .slips import statement_slips
from .slips_cli import statements_cli
from .slips_pdf import render_slips

# Read-only pages: with a hot standby, they read from it (pointsmart.replica).
bp = replica_blueprint(Blueprint("statements", __name__, template_folder="templates"))
# Registering the blueprint adds ``flask statements ...`` (the blueprint's command group).
bp.cli = statements_cli


@bp.route("/villages/<int:village_id>/statements")
@login_required
def choose(village_id: int):
    village = db.session.get(Village, village_id)
    if village is None:
        abort(404)
    page_principal().require_awarder(village_id)
    this_month = current_period(village.timezone)
    return render_template(
        "villagers/statements.html",
        village=village,
        grids=grids_of(village_id),
        months=previous_periods(this_month, 12)[::-1],
    )


@bp.route("/villages/<int:village_id>/statements.pdf")
@login_required
def slips_pdf(village_id: int):
    """The slips of a month (``?month=``, default this month), of one grid (``?grid_id=``)
    or of the whole village."""
    grid_id = query_id("grid_id")
    batch = statement_slips(
        page_principal(), village_id, request.args.get("month") or None, grid_id=grid_id
    )
    suffix = f"-grid{grid_id}" if grid_id else ""
    response = Response(render_slips(batch), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="statements-{village_id}-{batch.period}{suffix}.pdf"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
