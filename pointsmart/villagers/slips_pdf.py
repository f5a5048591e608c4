"""Statement slips as an A4 PDF: six slips a page (two columns of three), with dashed lines
where to cut, in large print for an elderly reader (12 pt at the least, the balance at 24 pt).

Drawn straight on reportlab's canvas (as the card sheet is) in its built-in CID font
``STSong-Light``, so no font file ships; text that would not fit a slip's width is cut with
an ellipsis rather than shrunk. A household with more entries than a slip holds gets the
newest ones and a line that counts and totals the rest.
"""

from __future__ import annotations

import io

from flask_babel import gettext as _
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from ..pdf_fonts import CJK_FONT, SIGN_FONT, printable, register_cjk_font
from ..text import MINUS, signed_points
from .slips import Slip, SlipBatch

COLUMNS, ROWS = 2, 3
PER_PAGE = COLUMNS * ROWS
SLIP_WIDTH, SLIP_HEIGHT = A4[0] / COLUMNS, A4[1] / ROWS  # 105 x 99 mm
PADDING = 6 * mm
TEXT = 12  # points: the smallest type on a slip
LINE = 5.6 * mm  # the leading of 12-point lines
BALANCE = 24
GOODS_SHOWN = 4

# Binary (zlib only) PDF streams, as the card sheet: ASCII85 in pure Python costs time.
rl_config.useA85 = 0


def render_slips(batch: SlipBatch) -> bytes:
    """The slips as PDF bytes; a batch without households gives one page that says so."""
    register_cjk_font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1, invariant=1)
    pdf.setTitle(
        _("%(village)s statements %(period)s", village=batch.village_name, period=batch.period)
    )
    pdf.setAuthor(batch.village_name)
    pdf.setCreator("pointsmart")
    words = _words(batch)
    for index, slip in enumerate(batch.slips):
        slot = index % PER_PAGE
        if index and slot == 0:
            pdf.showPage()
        x = (slot % COLUMNS) * SLIP_WIDTH
        y = A4[1] - (slot // COLUMNS + 1) * SLIP_HEIGHT
        _draw_slip(pdf, batch, slip, x, y, words)
    if not batch.slips:
        pdf.setFont(CJK_FONT, 14)
        pdf.drawString(20 * mm, A4[1] - 30 * mm, _("No household to print a slip for."))
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _words(batch: SlipBatch) -> dict[str, str]:
    year, month = int(batch.period[:4]), int(batch.period[5:])
    return {
        "title": _(
            "%(village)s points statement, %(year)s-%(month)s",
            village=batch.village_name,
            year=year,
            month=month,
        ),
        "as_of": _(
            "(on %(month)s/%(day)s)", month=batch.printed_on.month, day=batch.printed_on.day
        ),
        "phone": _("Questions? Call %(phone)s", phone=batch.village_phone)
        if batch.village_phone
        else _("Questions? Ask the village committee."),
    }


def _draw_slip(pdf: canvas.Canvas, batch: SlipBatch, slip: Slip, x, y, words) -> None:
    pdf.saveState()
    pdf.setDash(3, 3)
    pdf.setLineWidth(0.3)
    pdf.setStrokeGray(0.6)
    pdf.rect(x, y, SLIP_WIDTH, SLIP_HEIGHT)  # where to cut
    pdf.restoreState()

    left, width = x + PADDING, SLIP_WIDTH - 2 * PADDING
    top = y + SLIP_HEIGHT - PADDING - TEXT
    line = top
    _text(pdf, words["title"], left, line, width, 13)
    line -= 7 * mm
    head = _("No. %(number)s  %(head)s", number=slip.number, head=slip.head_name)
    if slip.grid_name:
        head += f"  {slip.grid_name}"
    _text(pdf, head, left, line, width, 15)
    line -= 10 * mm
    balance = _clip(_("Points now: %(balance)s", balance=_amount(slip.balance)), width, BALANCE)
    _draw(pdf, balance, left, line, BALANCE)
    used = pdfmetrics.stringWidth(balance, CJK_FONT, BALANCE) + 2 * mm
    _text(pdf, words["as_of"], left + used, line, width - used)
    line -= LINE + 1 * mm
    _text(
        pdf,
        _(
            "This month: earned %(earned)s, deducted %(deducted)s, spent %(redeemed)s",
            earned=_amount(slip.earned),  # below zero when reversals outweigh the awards
            deducted=_amount(slip.deducted),
            redeemed=_amount(slip.redeemed),
        ),
        left,
        line,
        width,
    )
    line -= LINE
    year_earned = _("Earned this year: %(points)s", points=_amount(slip.year_earned))
    _text(pdf, year_earned, left, line, width)
    line -= LINE
    ranks = _("Rank this month: %(rank)s in the village", rank=slip.village_rank)
    if slip.grid_rank is not None:
        ranks += _(", %(rank)s in the grid", rank=slip.grid_rank)
    _text(pdf, ranks, left, line, width)
    line -= LINE

    bottom = y + PADDING  # the phone's line
    goods_line = bottom + LINE
    room = int((line - goods_line) // LINE)  # lines left for the entries
    for start, what, who in _entry_lines(slip, room):
        pdf.setStrokeGray(0.85)
        pdf.line(left, line + LINE - 1.2 * mm, left + width, line + LINE - 1.2 * mm)
        # What it was for gives way (an ellipsis) to when, the points and who recorded it.
        fixed = f"{start}  {who}" if who else start
        room_for_words = width - pdfmetrics.stringWidth(fixed + "  ", CJK_FONT, TEXT)
        what = _clip(what, room_for_words, TEXT) if what else ""
        _text(pdf, "  ".join(part for part in (start, what, who) if part), left, line, width)
        line -= LINE
    _text(pdf, _goods_line(slip), left, goods_line, width)
    _text(pdf, words["phone"], left, bottom, width)


def _entry_lines(slip: Slip, room: int) -> list[tuple[str, str, str]]:
    """The month's entries as (when and points, what for, who) lines, oldest first; when they
    do not all fit, the newest ``room - 1`` and one line with the count and total of the
    earlier ones."""
    if room <= 0:
        return []
    if not slip.entries:
        return [(_("Nothing recorded this month."), "", "")]
    entries = slip.entries
    lines = []
    if len(entries) > room:
        earlier, entries = entries[: len(entries) - room + 1], entries[len(entries) - room + 1 :]
        total = _signed(sum(e.points for e in earlier))
        summary = _(
            "%(count)s earlier entries this month: %(points)s", count=len(earlier), points=total
        )
        lines.append((summary, "", ""))
    for entry in entries:
        day = _("%(month)s/%(day)s", month=entry.day.month, day=entry.day.day)
        lines.append((f"{day} {_signed(entry.points)}", entry.words, entry.who))
    return lines


def _goods_line(slip: Slip) -> str:
    if not slip.affordable:
        return _("Not enough points for any goods yet.")
    shown = "、".join(
        _("%(name)s %(points)s points", name=name, points=price)
        for name, price in slip.affordable[:GOODS_SHOWN]
    )
    return _("Can exchange now: %(goods)s", goods=shown)


def _signed(points: int) -> str:
    """An entry's points as the pages write them: +20, −10 (a real minus sign)."""
    return signed_points(points)


def _amount(points: int) -> str:
    """A balance or total: 20, 0, or below zero −15."""
    return signed_points(points) if points < 0 else str(points)


def _clip(text: str, width: float, size: float) -> str:
    """``text``, cut with an ellipsis where it would pass ``width`` at ``size``."""
    text = printable(text)
    if pdfmetrics.stringWidth(text, CJK_FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", CJK_FONT, size) > width:
        text = text[:-1]
    return text + "…"


def _text(pdf, text: str, x: float, y: float, width: float, size: float = TEXT) -> None:
    """Draw ``text`` at ``size``, cut with an ellipsis where it would pass ``width``."""
    _draw(pdf, _clip(text, width, size), x, y, size)


def _draw(pdf, text: str, x: float, y: float, size: float) -> None:
    """Draw ``text`` in the Chinese font, its minus signs in ``SIGN_FONT``, which has the
    glyph the Chinese font lacks (U+2212 would print as an empty box)."""
    for index, part in enumerate(printable(text).split(MINUS)):
        if index:
            pdf.setFont(SIGN_FONT, size)
            pdf.drawString(x, y, MINUS)
            x += pdfmetrics.stringWidth(MINUS, SIGN_FONT, size)
        pdf.setFont(CJK_FONT, size)
        pdf.drawString(x, y, part)
        x += pdfmetrics.stringWidth(part, CJK_FONT, size)
