"""Photos of goods: checked by their content, re-encoded, kept under the instance folder.

An upload is accepted only if Pillow recognises it as a JPEG, PNG, GIF or WebP picture of
sensible size (at most ``MAX_BYTES`` and ``MAX_PIXELS``); whatever the file's name or declared
type says is ignored. The picture is decoded and written again as a new JPEG of at most
``MAX_SIDE`` pixels a side, so nothing of the uploaded file but its pixels is kept (no
scripts, no metadata, no HTML). Files are named by a random token, never by the upload's name,
and served only as ``image/jpeg`` with ``nosniff``.
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from ..accounts.auth import Principal
from ..audit import service as audit
from ..errors import ValidationFailed
from ..extensions import db
from . import goods
from .errors import PhotoRejected
from .models import Product

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 25_000_000
MAX_SIDE = 800
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
PHOTO_DIR = "product-photos"


def photo_dir() -> Path:
    """``PRODUCT_PHOTO_DIR`` if configured, else ``<instance>/product-photos``."""
    configured = current_app.config.get("PRODUCT_PHOTO_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / PHOTO_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def photo_bytes(product: Product) -> bytes | None:
    """The stored JPEG of the goods, or None."""
    if not product.photo:
        return None
    path = photo_dir() / product.photo
    return path.read_bytes() if path.is_file() else None


def clean_photo(data: bytes) -> bytes:
    """The picture in ``data`` re-encoded as a small JPEG; raises ``PhotoRejected``."""
    if not data:
        raise PhotoRejected(_l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise PhotoRejected(_l("A photo may be at most 2 MB."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise PhotoRejected(_l("Send a JPEG, PNG, GIF or WebP picture."))
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise PhotoRejected(_l("The picture is too large."))
                image.load()
                picture = image.convert("RGB")
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected() from None
    except (OSError, ValueError, SyntaxError):  # truncated or broken image data
        raise PhotoRejected() from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def set_photo(actor: Principal, product_id: int, data: bytes) -> Product:
    """Replace the goods' photo with the uploaded picture (admin or the shop's keeper)."""
    product = goods.find_product(product_id)
    goods.require_shop_manager(actor, goods.find_shop(product.shop_id))
    cleaned = clean_photo(data)
    name = f"{product.id}-{secrets.token_hex(8)}.jpg"
    target = photo_dir() / name
    temporary = target.with_suffix(".part")
    temporary.write_bytes(cleaned)
    os.replace(temporary, target)
    # The old file stays: a rolled-back request must not lose the photo in use. An orphaned
    # file is harmless and small.
    product.photo = name
    db.session.flush()
    _record(actor, product, "product.photo_set")
    return product


def refuse_nothing_chosen(actor: Principal, product_id: int) -> None:
    """The photo form came with neither a picture nor a removal: 422, once the actor is known
    to be one who may change the photo (else refused as a change would be: 404, 403)."""
    product = goods.find_product(product_id)
    goods.require_shop_manager(actor, goods.find_shop(product.shop_id))
    raise ValidationFailed(errors={"photo": [str(_l("Choose a photo first."))]})


def remove_photo(actor: Principal, product_id: int) -> Product:
    product = goods.find_product(product_id)
    goods.require_shop_manager(actor, goods.find_shop(product.shop_id))
    product.photo = None
    db.session.flush()
    _record(actor, product, "product.photo_remove")
    return product


def _record(actor: Principal, product: Product, action: str) -> None:
    audit.record(
        actor_id=actor.user_id,
        village_id=goods.find_shop(product.shop_id).village_id,
        action=action,
        target_type="product",
        target_id=product.id,
        changes={"name": product.name},
    )
