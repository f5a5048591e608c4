"""Pages for village admins: the committee report, the 公示 sheet PDF and the exports.

* ``/villages/<id>/reports?period=YYYY-MM``: the month against the goods in stock, points per
  leader and their concentration (the month and the last 12 months), charts of the last 12
  months; each table downloads as xlsx and CSV.
* ``/villages/<id>/reports/sheet.pdf?period=``: the monthly notice sheet.
* ``/villages/<id>/exports``: links to every export; ``/villages/<id>/exports/<name>.<csv|xlsx>``
  with ``?period=YYYY-MM`` for one month or without it for everything.

Anyone not signed in goes to the sign-in page; the service functions refuse everyone but the
village's admins (403).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from ..accounts.auth import login_required, page_principal
from ..database import writes_in_this_request
from ..extensions import db
from ..periods import neighbour_months
from ..replica import replica_blueprint
from ..text import figure
from ..villages.service import find_village
from . import committee, committee_tables, exports, tabular
from .charts import monthly_bars
from .cli import reports_cli
from .sheet import printed_state, sheet_to_print
from .sheet_pdf import render_sheet

# Read-only pages: with a hot standby, they read from it (pointsmart.replica).
bp = replica_blueprint(Blueprint("reports", __name__, template_folder="templates"))
# Registering the blueprint adds ``flask reports ...`` (the blueprint's command group).
bp.cli = reports_cli
# A figure below zero with a real minus sign, as every page writes points (the files keep numbers).
bp.add_app_template_filter(figure, "figure")


def _period() -> str | None:
    return request.args.get("period") or None


@bp.route("/villages/<int:village_id>/reports")
@login_required
def committee_report(village_id: int):
    actor = page_principal()
    period = committee.resolve_period(actor, village_id, _period())
    summary = committee.monthly_summary(actor, village_id, period)
    series = committee.month_series(actor, village_id, period)
    earlier, later = neighbour_months(period)
    village = find_village(village_id)
    return render_template(
        "reports/committee.html",
        village_id=village_id,
        village_name=village.name,
        village_timezone=village.timezone,
        period=period,
        earlier=earlier,
        later=later,
        summary_lines=committee_tables.summary_lines(summary),
        summary=summary,
        leader_headers=committee_tables.leader_headers(),
        month_leaders=_leader_rows(actor, village_id, period, months=1),
        year_leaders=_leader_rows(actor, village_id, period, months=committee.MONTHS),
        series=series,
        printed=printed_state(village_id, period),
        **_charts(series),
    )


def _leader_rows(actor, village_id: int, period: str, *, months: int) -> list[list]:
    shares = committee.leader_shares(actor, village_id, period, months=months)
    return committee_tables.leader_rows(shares)


def _charts(series: list[dict]) -> dict:
    """The month series drawn as the report's two bar charts."""
    return {
        "flows_chart": monthly_bars(
            "chart-flows",
            _("Points issued, deducted and redeemed by month"),
            series,
            {"issued": _("Issued"), "deducted": _("Deducted"), "redeemed": _("Redeemed")},
        ),
        "held_chart": monthly_bars(
            "chart-outstanding",
            _("Points held by households at each month's end"),
            series,
            {"outstanding": _("Outstanding")},
        ),
    }


@bp.route(
    "/villages/<int:village_id>/reports/"
    "<any(summary, leaders, leaders12, months):name>.<any(csv, xlsx):fmt>"
)
@login_required
def report_download(village_id: int, name: str, fmt: str):
    table = committee_tables.report_table(page_principal(), village_id, name, _period())
    return tabular.download(table, fmt)


@bp.route("/villages/<int:village_id>/reports/sheet.pdf")
@login_required
def sheet_pdf(village_id: int):
    """The monthly 公示 sheet, to print for the notice board.

    Printing an ended month's sheet is recorded (``sheet.sheet_to_print``): an offline sale of
    that month reaching us later counts in the current month instead. So this GET writes,
    and its transaction begins as a writer (on SQLite a reader cannot safely become one).
    """
    writes_in_this_request()
    db.session.rollback()
    sheet = sheet_to_print(page_principal(), village_id, _period())
    response = Response(render_sheet(sheet), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="notice-{village_id}-{sheet.period}.pdf"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/villages/<int:village_id>/exports")
@login_required
def export_list(village_id: int):
    actor = page_principal()
    period = committee.resolve_period(actor, village_id, _period())
    return render_template(
        "reports/exports.html",
        village_id=village_id,
        village_name=find_village(village_id).name,
        period=period,
        names=exports.titles(),
    )


@bp.route(
    "/villages/<int:village_id>/exports/"
    "<any(households, transfers, redemptions, settlements):name>.<any(csv, xlsx):fmt>"
)
@login_required
def export_download(village_id: int, name: str, fmt: str):
    table = exports.export_table(page_principal(), village_id, name, _period())
    return tabular.download(table, fmt)
