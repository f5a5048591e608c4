"""The dashboard as a spreadsheet for reporting upward: one row per village, then the
region's totals, with Chinese headers (``reports.tabular`` writes it safely)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..reports.tabular import Table
from .dashboard import Dashboard, VillageRow


def village_headers() -> list[str]:
    return [
        _("Rank"),
        _("Village"),
        _("Households"),
        _("Active households"),
        _("Active share (%)"),
        _("Points issued"),
        _("Issued per household"),
        _("Points deducted"),
        _("Deducted per household"),
        _("Points redeemed"),
        _("Redeemed per household"),
        _("Red entries"),
        _("Black entries"),
        _("Approvals waiting"),
        _("Objections open"),
        _("Owed to shops (yuan)"),
        _("Months owed"),
        _("Flags"),
    ]


def village_cells(row: VillageRow) -> list:
    return [
        row.rank,
        row.name,
        row.households,
        row.active_households,
        row.active_share,
        row.points_issued,
        row.issued_per_household,
        row.points_deducted,
        row.deducted_per_household,
        row.points_redeemed,
        row.redeemed_per_household,
        row.red_entries,
        row.black_entries,
        row.approvals_pending,
        row.objections_open,
        row.owed_yuan,
        row.owed_months,
        "；".join(flag["detail"] for flag in row.flags),
    ]


def dashboard_table(board: Dashboard) -> Table:
    def rows():
        for row in board.villages:
            yield village_cells(row)
        totals = village_cells(board.totals)
        totals[0], totals[1], totals[-2], totals[-1] = "", _("Total"), "", ""
        yield totals

    return Table(
        name=f"dashboard-{board.region.id}-{board.period}",
        title=f"{board.region.name} {board.period}",
        headers=village_headers(),
        rows=rows,
    )
