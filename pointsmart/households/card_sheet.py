"""A printable sheet of household cards: A4, ten cards of bank-card size a page.

Each card shows the village, the household number, the head of household, the QR code (the
card's URL and nothing else) and the short code for typing, grouped ``ABCD-EFGH-J``. Dashed
lines show where to cut. Chinese is set in reportlab's built-in CID font ``STSong-Light`` (the
PDF viewer supplies the glyphs), so no font file ships with the app.

Only a household's *current* card is printed. ``issue_missing`` first issues a card (version
1) to each active household that never had one; reprinting never revokes a card.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from ..accounts.auth import Principal
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..lookups import get_or_refuse, village_row
from ..ordering import natural_sorted
from ..pdf_fonts import CJK_FONT, printable, register_cjk_font
from ..villages.models import Grid, Village
from ..villages.service import administered_village
from .card_images import qr_image
from .cards import (
    IssuedCard,
    card_token,
    card_url,
    current_card,
    format_code,
    issue_card,
    issue_first_card,
)
from .models import Card, Household
from .service import household_id_by_number, require_not_moved_away

CODE_FONT = "Courier-Bold"
CARD_WIDTH, CARD_HEIGHT = 85.6 * mm, 54 * mm  # ISO/IEC 7810 ID-1, a bank card
COLUMNS, ROWS = 2, 5
PER_PAGE = COLUMNS * ROWS
# The QR image: 4 pixels a module is sharp at 46 mm (images are not interpolated), and one
# fixed mask saves trying eight per card; see docs/benchmarks.md (1,000 cards).
QR_BOX_SIZE = 4
QR_MASK_PATTERN = 0

# Binary (zlib only) PDF streams instead of ASCII85 text: reportlab encodes ASCII85 in pure
# Python, which was a sixth of the time of a sheet. Every PDF reader reads binary streams.
rl_config.useA85 = 0


class CardNotIssued(NotFound):
    code, title = "card_not_issued", _l("This household has no card yet.")


@dataclass(frozen=True)
class CardEntry:
    village_name: str
    number: str
    head_name: str
    url: str
    code: str
    version: int


@dataclass(frozen=True)
class CardSheet:
    entries: list[CardEntry]
    issued: int  # cards issued for this sheet (households that had none)
    without_card: int  # households left out because they have no card

    @property
    def pages(self) -> int:
        return -(-len(self.entries) // PER_PAGE)


def card_for_printing(actor: Principal, household_id: int) -> IssuedCard:
    """A household's current card, for an admin of its village (the QR image routes); none
    for a household that has moved away (422 on ``household_id``): no counter takes its card,
    and the card sheet, issuing and reissuing leave it out already."""
    household = get_or_refuse(Household, household_id, _l("No such household."))
    actor.require_admin(household.village_id)
    require_not_moved_away(household)
    card = current_card(household_id)
    if card is None:
        raise CardNotIssued()
    return card


def collect_cards(
    actor: Principal, village_id: int, *, grid_id: int | None = None, issue_missing: bool = False
) -> CardSheet:
    """The current cards of a village's active households (or one grid's), by number."""
    village = administered_village(actor, village_id)
    statement = (
        sa.select(
            Household.id, Household.number, Household.head_name, Household.card_version, Card.code
        )
        .outerjoin(
            Card, sa.and_(Card.household_id == Household.id, Card.version == Household.card_version)
        )
        .where(Household.village_id == village_id, Household.status == "active")
    )
    if grid_id is not None:
        if village_row(Grid, grid_id, village_id) is None:
            raise ValidationFailed(errors={"grid_id": [str(_l("No such grid in this village."))]})
        statement = statement.where(Household.grid_id == grid_id)
    entries, issued, without = [], 0, 0
    for row in db.session.execute(statement.order_by(Household.number, Household.id)).all():
        if row.code is not None:
            token = card_token(row.id, row.card_version)
            card = IssuedCard(row.id, row.card_version, token, card_url(token), row.code)
        elif issue_missing:
            card = issue_first_card(row.id, issued_by_id=actor.user_id)
            if card is None:  # another sheet issued it meanwhile: print that one
                card = current_card(row.id)
            else:
                issued += 1
        else:
            without += 1
            continue
        entries.append(
            CardEntry(village.name, row.number, row.head_name, card.url, card.code, card.version)
        )
    return CardSheet(entries, issued, without)


def reissue_by_number(actor: Principal, village_id: int, number: str) -> int:
    """Issue a new card to the household with this number; its older cards stop working."""
    actor.require_admin(village_id)
    household_id = household_id_by_number(village_id, number)
    household = db.session.get(Household, household_id) if household_id is not None else None
    if household is None:
        raise ValidationFailed(
            errors={"number": [str(_l("No household with number %(n)s.", n=number))]}
        )
    if household.status != "active":
        raise ValidationFailed(errors={"number": [str(_l("The household has moved away."))]})
    issue_card(household.id, issued_by_id=actor.user_id)
    return household.id


def village_name(village_id: int) -> str:
    return db.session.execute(sa.select(Village.name).where(Village.id == village_id)).scalar_one()


def grids_of(village_id: int) -> list[Grid]:
    """The village's grids in the natural order of their names (一组, 二组, 三组)."""
    grids = db.session.execute(sa.select(Grid).where(Grid.village_id == village_id)).scalars()
    return natural_sorted(grids, lambda grid: grid.name)


def card_holder_names(household_id: int) -> dict[str, str]:
    row = db.session.execute(
        sa.select(Household.number, Household.head_name, Village.name)
        .join(Village, Village.id == Household.village_id)
        .where(Household.id == household_id)
    ).one()
    return {"number": row.number, "head_name": row.head_name, "village_name": row.name}


def render_pdf(entries: list[CardEntry], *, title: str = "") -> bytes:
    """The A4 sheets as a PDF document."""
    register_cjk_font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1, invariant=1)
    pdf.setTitle(title or _("Household points cards"))
    pdf.setCreator("pointsmart")
    page_width, page_height = A4
    left = (page_width - COLUMNS * CARD_WIDTH) / 2
    top = page_height - (page_height - ROWS * CARD_HEIGHT) / 2
    labels = {
        "card": _("Points card"),
        "number": _("Household No."),
        "head": _("Head"),
        "code": _("Code for typing"),
    }
    for index, entry in enumerate(entries):
        slot = index % PER_PAGE
        if index and slot == 0:
            pdf.showPage()
        x = left + (slot % COLUMNS) * CARD_WIDTH
        y = top - (slot // COLUMNS + 1) * CARD_HEIGHT
        _draw_card(pdf, entry, x, y, labels)
    if not entries:
        pdf.setFont(CJK_FONT, 14)
        pdf.drawString(left, top - 20 * mm, _("No household has a card yet."))
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _draw_card(pdf: canvas.Canvas, entry: CardEntry, x: float, y: float, labels: dict) -> None:
    pdf.saveState()
    pdf.setDash(3, 3)
    pdf.setLineWidth(0.3)
    pdf.setStrokeGray(0.6)
    pdf.rect(x, y, CARD_WIDTH, CARD_HEIGHT)  # where to cut
    pdf.restoreState()

    qr_side = 46 * mm
    qr_x, qr_y = x + 2 * mm, y + (CARD_HEIGHT - qr_side) / 2
    image = qr_image(entry.url, box_size=QR_BOX_SIZE, mask_pattern=QR_MASK_PATTERN)
    pdf.drawImage(ImageReader(image), qr_x, qr_y, qr_side, qr_side)

    text_x = qr_x + qr_side + 1.5 * mm
    width = x + CARD_WIDTH - 3 * mm - text_x
    line_y = y + CARD_HEIGHT - 9 * mm
    _fit(pdf, entry.village_name, text_x, line_y, width, CJK_FONT, 11)
    line_y -= 5.5 * mm
    _fit(pdf, labels["card"], text_x, line_y, width, CJK_FONT, 9)
    line_y -= 8 * mm
    _fit(pdf, f"{labels['number']} {entry.number}", text_x, line_y, width, CJK_FONT, 11)
    line_y -= 6.5 * mm
    _fit(pdf, f"{labels['head']} {entry.head_name}", text_x, line_y, width, CJK_FONT, 11)
    line_y -= 9 * mm
    _fit(pdf, labels["code"], text_x, line_y, width, CJK_FONT, 7)
    line_y -= 4.5 * mm
    _fit(pdf, format_code(entry.code), text_x, line_y, width, CODE_FONT, 11)


def _fit(pdf, text: str, x: float, y: float, width: float, font: str, size: float) -> None:
    """Draw ``text`` at ``size``, or smaller so it fits ``width`` (down to 5 pt)."""
    text = printable(text)
    while size > 5 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    pdf.setFont(font, size)
    pdf.drawString(x, y, text)
