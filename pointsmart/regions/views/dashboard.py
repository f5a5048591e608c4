"""The dashboard page of a township or county, and its xlsx for reporting upward."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from ...accounts.auth import login_required, page_principal
from ...replica import reads_from_replica
from ...reports import tabular
from ...reports.charts import monthly_bars
from .. import exports
from ..dashboard import region_dashboard
from .blueprint import bp


def _period() -> str | None:
    return request.args.get("period") or None


@bp.route("/<int:region_id>/dashboard")
@reads_from_replica
@login_required
def dashboard(region_id: int):
    board = region_dashboard(page_principal(), region_id, _period())
    flows = monthly_bars(
        "chart-flows",
        _("Points issued and deducted by month"),
        board.months,
        {"issued": _("Issued"), "deducted": _("Deducted")},
    )
    return render_template(
        "regions/dashboard.html",
        board=board,
        region=board.region,
        flows_chart=flows,
        headers=exports.village_headers(),
    )


@bp.route("/<int:region_id>/dashboard.xlsx")
@reads_from_replica
@login_required
def dashboard_xlsx(region_id: int):
    board = region_dashboard(page_principal(), region_id, _period())
    return tabular.download(exports.dashboard_table(board), "xlsx")
