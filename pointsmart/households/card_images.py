"""QR code images of household cards: PNG and SVG, holding only the card's URL.

Error correction level M (15% of the code may be damaged: a card carried in a pocket gets
worn) and the standard quiet zone of four modules, so phone cameras and USB scanners read it.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from flask import Response
from PIL import Image
from qrcode.image.svg import SvgPathImage

BORDER = 4  # modules of white around the code: the QR standard's quiet zone


def qr_matrix(text: str) -> list[list[bool]]:
    """The code's modules, True for dark, including the quiet zone."""
    code = _code(text)
    return code.get_matrix()


def qr_png(text: str, *, box_size: int = 10) -> bytes:
    """A black-on-white PNG of the QR code, ``box_size`` pixels a module."""
    image = _code(text, box_size=box_size).make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def qr_image(text: str, *, box_size: int, mask_pattern: int | None = None) -> Image.Image:
    """The QR code as an 8-bit grey PIL image, ``box_size`` pixels a module, never encoded.

    For the printed sheet: no PNG encoding and decoding on the way into the PDF. A fixed
    ``mask_pattern`` (0-7) skips trying all eight masks for the least penalty, which is most
    of the time of making a code; every mask is a valid QR code that readers decode.
    """
    code = _code(text, mask_pattern=mask_pattern)
    matrix = code.get_matrix()
    side = len(matrix)
    image = Image.new("L", (side, side))
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    return image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)


def qr_svg(text: str) -> bytes:
    """An SVG of the QR code (one path), scaling to any print size."""
    image = _code(text).make_image(image_factory=SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def image_response(text: str, kind: str) -> Response:
    """A ``png`` or ``svg`` response of the QR code; card images are never cached by proxies."""
    if kind == "png":
        response = Response(qr_png(text), mimetype="image/png")
    else:
        response = Response(qr_svg(text), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _code(text: str, *, box_size: int = 10, mask_pattern: int | None = None) -> qrcode.QRCode:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=BORDER,
        mask_pattern=mask_pattern,
    )
    code.add_data(text)
    code.make(fit=True)
    return code
