"""The fonts the app's PDFs are set in (card sheet, 公示 sheet, statement slips, campaign
notices and certificates), and the text those fonts can print.

Chinese is set in reportlab's built-in CID font ``STSong-Light``, so no font file ships.
Its encoding is UCS-2: a character beyond U+FFFF (𠮷, much of CJK Extension B, found in some
names) would go in as its two surrogate halves and print as another character, 𠮷 as 䋟 and
a blank; such a character prints as ``MISSING``, a gap that says one is missing, never a
wrong character in a name. A variation selector (kept in names, ``text``) only chooses a
glyph the font does not have: it is left out, and its base character prints. The font has no
minus sign either (U+2212 prints as an empty box): a minus is set in ``SIGN_FONT``.
"""

from __future__ import annotations

import unicodedata
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

CJK_FONT = "STSong-Light"
SIGN_FONT = "Symbol"  # a standard PDF font: its minus sign is what STSong-Light lacks
MISSING = "□"


def register_cjk_font() -> str:
    """Register the Chinese font once per process; its name."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def _is_variation_selector(char: str) -> bool:
    return unicodedata.name(char, "").startswith("VARIATION SELECTOR")


def printable(text: str) -> str:
    """``text`` as the Chinese font can print it (see the module)."""
    return "".join(
        "" if _is_variation_selector(char) else MISSING if ord(char) > 0xFFFF else char
        for char in text
    )


def markup(text: str) -> str:
    """``text`` for a reportlab Paragraph: printable, and escaped for its mini-markup."""
    return escape(printable(text))
