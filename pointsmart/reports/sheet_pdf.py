"""The 公示 sheet as an A4 PDF, for printing and the notice board.

Chinese is set in reportlab's built-in CID font ``STSong-Light`` (as the card sheet does, so
no font file ships); the head hash, the transfer count and the command are set in Courier so
they copy and read unambiguously. Long tables continue on the next page with their header.

Points carry their sign as on the pages (``pointsmart.text.signed_points``): a red or black
entry +20 and −10, a score or balance below zero −15, with a real minus sign. STSong-Light has
no glyph for the minus sign (U+2212 prints as an empty box), so the sign alone is set in
reportlab's built-in ``Symbol`` font, whose minus copies out of the PDF as U+2212 too; a
hyphen, a short dash in the Chinese font, is easy to miss on a notice board.
"""

from __future__ import annotations

import io

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..pdf_fonts import CJK_FONT, SIGN_FONT, markup, printable, register_cjk_font
from ..text import MINUS, signed_points
from .sheet import Sheet

MONO_FONT = "Courier"


def _styles() -> dict[str, ParagraphStyle]:
    register_cjk_font()
    base = ParagraphStyle("base", fontName=CJK_FONT, fontSize=10.5, leading=15)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, spaceAfter=4),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=14, leading=20, spaceBefore=10, spaceAfter=4
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13),
        # A figure in a table cell, set as the table sets its numbers (10 pt, to the right).
        "figure": ParagraphStyle(
            "figure", parent=base, fontSize=10, leading=12, alignment=TA_RIGHT
        ),
        "mono": ParagraphStyle("mono", parent=base, fontName=MONO_FONT, fontSize=8.5, leading=12),
        "command": ParagraphStyle(
            # Small enough that the command, with --count, stays on one line (a village id
            # and a count of 7 digits each: about 120 characters of Courier in 180 mm).
            "command",
            parent=base,
            fontName=MONO_FONT,
            fontSize=6.5,
            leading=10,
        ),
    }


def _table(
    headers: list[str], rows: list[list], widths: list[float], numbers_from: int = -1
) -> Table:
    """A table with a grey header row, repeated on each page; figures from column
    ``numbers_from`` on are aligned right."""
    cells = [[printable(c) if isinstance(c, str) else c for c in row] for row in rows]
    table = Table([headers, *cells], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), CJK_FONT, 10),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("ALIGN", (numbers_from, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _figure(text: str, styles: dict[str, ParagraphStyle]) -> str | Paragraph:
    """A figure as a table cell: as it is, or with its minus sign set in ``SIGN_FONT``."""
    if MINUS not in text:
        return text
    return Paragraph(
        markup(text).replace(MINUS, f'<font face="{SIGN_FONT}">{MINUS}</font>'), styles["figure"]
    )


def _signed(points: int, styles: dict[str, ParagraphStyle]) -> str | Paragraph:
    """An entry's points with their sign, as on the board: +20, −10."""
    return _figure(signed_points(points), styles)


def _amount(points: int, styles: dict[str, ParagraphStyle]) -> str | Paragraph:
    """A score or balance, as on the leaderboard: 20, 0, or below zero −15."""
    return _figure(signed_points(points) if points < 0 else str(points), styles)


def render_sheet(sheet: Sheet) -> bytes:
    """The sheet as PDF bytes."""
    styles = _styles()
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("Points notice %(period)s", period=sheet.period),
        author=sheet.village_name,
        creator="pointsmart",
        invariant=1,
    )
    width = document.width
    story: list = [
        Paragraph(
            markup(
                _(
                    "%(village)s points notice, %(period)s",
                    village=sheet.village_name,
                    period=sheet.period,
                )
            ),
            styles["title"],
        )
    ]
    if not sheet.ledger.month_over:
        story.append(
            Paragraph(
                markup(_("The month is not over yet: figures as of printing.")), styles["small"]
            )
        )

    story.append(Paragraph(markup(_("Leaderboard")), styles["heading"]))
    if sheet.leaderboard:
        story.append(
            _table(
                [_("Rank"), _("Household No."), _("Head"), _("Grid"), _("Points")],
                [
                    [r["rank"], r["number"], r["name"], r["grid"], _amount(r["points"], styles)]
                    for r in sheet.leaderboard
                ],
                [0.12 * width, 0.2 * width, 0.26 * width, 0.26 * width, 0.16 * width],
            )
        )
    else:
        story.append(Paragraph(markup(_("No household this month.")), styles["base"]))

    for title, entries in ((_("Red list"), sheet.red), (_("Black list"), sheet.black)):
        story.append(Paragraph(markup(title), styles["heading"]))
        if entries:
            story.append(
                _table(
                    [_("Household No."), _("Head"), _("Rule"), _("Points")],
                    [
                        [
                            e["number"],
                            e["name"],
                            Paragraph(markup(e["rule"]), styles["small"]),
                            _signed(e["points"], styles),
                        ]
                        for e in entries
                    ],
                    [0.2 * width, 0.22 * width, 0.42 * width, 0.16 * width],
                )
            )
        else:
            story.append(Paragraph(markup(_("No entries this month.")), styles["base"]))

    story.append(Paragraph(markup(_("Every household this month")), styles["heading"]))
    story.append(
        Paragraph(
            markup(_("Score = earned - deducted. Balance: at the close of the month.")),
            styles["small"],
        )
    )
    story.append(
        _table(
            [
                _("Household No."),
                _("Head"),
                _("Earned"),
                _("Deducted"),
                _("Redeemed"),
                _("Score"),
                _("Balance"),
            ],
            [
                [
                    h["number"],
                    h["name"],
                    h["earned"],
                    h["deducted"],
                    h["redeemed"],
                    _amount(h["net"], styles),
                    _amount(h["balance"], styles),
                ]
                for h in sheet.households
            ],
            [0.16 * width, 0.2 * width] + [0.128 * width] * 5,
            numbers_from=2,
        )
    )

    story += _ledger_section(sheet, styles)
    document.build(story)
    return out.getvalue()


def _ledger_section(sheet: Sheet, styles: dict[str, ParagraphStyle]) -> list:
    """The chain's position and head hash at the month's close, and the command that checks
    them. Before a village's first transfer there is no head to check: the sheet says so
    rather than print the all-zero genesis hash, which no command accepts."""
    close = sheet.ledger
    mono = styles["mono"]
    story: list = [Paragraph(markup(_("The ledger at the close of the month")), styles["heading"])]
    if close.transfer_count == 0:
        story.append(
            Paragraph(
                markup(_("The ledger held no transfer by the close of this month.")),
                styles["base"],
            )
        )
        return story
    return [
        *story,
        Paragraph(markup(_("Transfers in the ledger:")), styles["base"]),
        Paragraph(str(close.transfer_count), mono),
        Paragraph(markup(_("Hash of the last transfer (head hash):")), styles["base"]),
        Paragraph(close.head_hash, mono),
        Spacer(1, 3 * mm),
        Paragraph(
            markup(
                _(
                    "Anyone can check that the ledger still holds this month exactly as printed: "
                    "ask the village committee to run this command."
                )
            ),
            styles["small"],
        ),
        Paragraph(
            markup(
                f"flask ledger verify --village {sheet.village_id} --head {close.head_hash}"
                f" --count {close.transfer_count}"
            ),
            styles["command"],
        ),
    ]
