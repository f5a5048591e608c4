"""The committee report's tables: its summary lines, the leaders' shares and the last 12
months, as the report page shows them and as the files an admin downloads."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import NotFound
from . import committee
from .tabular import Table

REPORT_TABLES = ("summary", "leaders", "leaders12", "months")


def report_table(actor: Principal, village_id: int, name: str, period: str | None) -> Table:
    """One of ``REPORT_TABLES`` of the committee report, for an admin of the village."""
    period = committee.resolve_period(actor, village_id, period)
    if name not in REPORT_TABLES:
        raise NotFound(_l("No such table."))
    file_name = f"{name}-{village_id}-{period}"
    if name == "summary":
        summary = committee.monthly_summary(actor, village_id, period)
        return Table(
            file_name,
            _("Summary"),
            [_("Item"), _("Points"), _("Yuan")],
            lambda: [[label, points, yuan] for label, points, yuan in summary_lines(summary)],
        )
    if name in ("leaders", "leaders12"):
        months = committee.MONTHS if name == "leaders12" else 1
        shares = committee.leader_shares(actor, village_id, period, months=months)
        title = _("Leaders, 12 months") if months > 1 else _("Leaders")
        return Table(file_name, title, leader_headers(), lambda: leader_rows(shares))
    series = committee.month_series(actor, village_id, period)
    return Table(
        file_name,
        _("Last 12 months"),
        [_("Month"), _("Issued"), _("Deducted"), _("Redeemed"), _("Settled"), _("Outstanding")],
        lambda: [
            [m["period"], m["issued"], m["deducted"], m["redeemed"], m["settled"], m["outstanding"]]
            for m in series
        ],
    )


def summary_lines(summary: dict) -> list[tuple[str, int | str, object]]:
    """The summary as (item, points, yuan) lines, as the page and the files show it."""
    return [
        (_("Issued"), summary["issued"], summary["issued_yuan"]),
        (_("Deducted"), summary["deducted"], ""),
        (_("Redeemed"), summary["redeemed"], summary["redeemed_yuan"]),
        (_("Settled with shops"), summary["settled"], summary["settled_yuan"]),
        (
            _("Outstanding (held by households)"),
            summary["outstanding"],
            summary["outstanding_yuan"],
        ),
        (_("Redeemed, not yet settled"), summary["unsettled"], ""),
        (_("Goods in stock now"), summary["stock_points"], summary["stock_yuan"]),
        (_("Goods in stock minus outstanding"), "", summary["stock_cover_yuan"]),
    ]


def leader_headers() -> list[str]:
    return [
        _("Leader"),
        _("Households"),
        _("Awards"),
        _("Points"),
        _("Top household"),
        _("Its points"),
        _("Top household's share %"),
        _("Top 3 households' share %"),
    ]


def leader_rows(shares: list[committee.LeaderShare]) -> list[list]:
    return [
        [
            s.name,
            s.households,
            s.awards,
            s.points,
            s.top_number,
            s.top_points,
            s.top_share,
            s.top3_share,
        ]
        for s in shares
    ]
