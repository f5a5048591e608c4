"""The campaign's printed pages, with reportlab as the app's other PDFs (the card sheet, the
公示 sheet): the A4 notice of the result with the council's tallies, and one certificate
(奖状) a page for each winner. Chinese is set in reportlab's built-in CID font
``STSong-Light``, so no font file ships."""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

from ..pdf_fonts import markup
from ..periods import local_day
from ..reports.sheet_pdf import _styles, _table


def _document(out: io.BytesIO, title: str, author: str, pagesize=A4) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        creator="pointsmart",
        invariant=1,
    )


def notice_pdf(village: Any, campaign: dict[str, Any]) -> bytes:
    """The 公示 of a published campaign: winners, then every nominee with the council's votes
    for and against and the 豆选 beans; the notice's last day and how to object."""
    styles = _styles()
    out = io.BytesIO()
    title = _("%(village)s %(title)s: public notice", village=village.name, title=campaign["title"])
    document = _document(out, title, village.name)
    width = document.width
    story: list = [Paragraph(markup(title), styles["title"])]
    if campaign["notice_until"] is not None and campaign["notice_days"] > 0:
        story.append(
            Paragraph(
                markup(
                    _(
                        "Notice until %(day)s. A household that disagrees may object on its "
                        "own page (我的积分) or to the village committee before then.",
                        day=campaign["notice_until"].isoformat(),
                    )
                ),
                styles["base"],
            )
        )
    story.append(Spacer(1, 4 * mm))
    nominees = sorted(
        (n for n in campaign["nominations"] if n["status"] != "declined"),
        key=lambda n: (n["rank"] is None, n["rank"] or 0, n["id"]),
    )
    headers = [_("Rank"), _("Household No."), _("Head"), _("For"), _("Against")]
    if campaign["bean_votes"]:
        headers.append(_("Beans"))
    headers.append(_("Result"))

    def result(n: dict) -> str:
        if n["status"] == "removed":
            return _("Removed after an objection")
        return _("Selected") if n["won"] else _("Not selected")

    rows = []
    for n in nominees:
        row = [n["rank"] or "", n["number"], n["head_name"], n["approvals"], n["rejections"]]
        if campaign["bean_votes"]:
            row.append(n["beans"])
        row.append(result(n))
        rows.append(row)
    if rows:
        share = 1 / len(headers)
        story.append(_table(headers, rows, [share * width] * len(headers), numbers_from=3))
    else:
        story.append(Paragraph(markup(_("Nobody was nominated.")), styles["base"]))
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(
            markup(
                _(
                    "Council members: %(size)s; votes needed on each nominee: %(quorum)s; "
                    "a nominee is selected with more than %(percent)s%% of the votes for it.",
                    size=campaign["council_size"],
                    quorum=campaign["quorum"],
                    percent=campaign["majority_percent"],
                )
            ),
            styles["small"],
        )
    )
    document.build(story)
    return out.getvalue()


def certificates_pdf(
    village: Any, campaign: Any, winners: list[dict[str, Any]], *, signed_by: str | None = None
) -> bytes:
    """One certificate (奖状) a landscape A4 page for each winner, signed by the village
    committee (``village``: its name and time zone), or ``signed_by`` (a township or county)."""
    styles = _styles()
    big = ParagraphStyle(
        "certificate", parent=styles["base"], fontSize=54, leading=70, alignment=TA_CENTER,
        textColor=colors.Color(0.7, 0.05, 0.05),
    )  # fmt: skip
    line = ParagraphStyle(
        "certificate-line", parent=styles["base"], fontSize=22, leading=36, alignment=TA_CENTER
    )
    out = io.BytesIO()
    document = _document(
        out, _("Certificates: %(title)s", title=campaign.title), village.name, landscape(A4)
    )
    conferred_on = local_day(campaign.conferred_at, village.timezone)
    story: list = []
    for index, winner in enumerate(winners):
        if index:
            story.append(PageBreak())
        story += [
            Spacer(1, 14 * mm),
            Paragraph(markup(_("Certificate of Honour")), big),
            Spacer(1, 12 * mm),
            Paragraph(
                markup(
                    _(
                        "Household %(number)s, %(head)s:",
                        number=winner["number"],
                        head=winner["head_name"],
                    )
                ),
                line,
            ),
            Paragraph(
                markup(
                    _(
                        "is named %(title)s of %(village)s for %(year)s.",
                        title=campaign.title,
                        village=village.name,
                        year=conferred_on.year,
                    )
                ),
                line,
            ),
            Spacer(1, 20 * mm),
            Paragraph(
                markup(signed_by or _("%(village)s village committee", village=village.name)),
                line,
            ),
            Paragraph(markup(conferred_on.isoformat()), line),
        ]
    if not story:
        story.append(Paragraph(markup(_("No winner to print.")), line))
    document.build(story)
    return out.getvalue()
