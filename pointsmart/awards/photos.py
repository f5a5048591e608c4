"""Photos of red and black list entries: checked by content, re-encoded, kept under instance/.

* Only JPEG and PNG, recognised by Pillow from the bytes themselves (never the file name or
  the browser's content type), at most ``MAX_BYTES`` and ``MAX_PIXELS``.
* The picture is decoded and saved again (turned upright, at most ``MAX_SIDE`` pixels a side):
  what is stored is a plain image Pillow wrote, without the camera's EXIF data (which can hold
  where the photo was taken), and nothing else that came in the upload survives.
* Files are named by a random token, in ``BOARD_PHOTO_DIR`` (default ``<instance>/board-photos``),
  and served only as ``image/jpeg`` or ``image/png`` with ``nosniff`` (see ``views``).
"""

from __future__ import annotations

import re
import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ValidationFailed

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}
NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")


def photo_dir() -> Path:
    configured = current_app.config.get("BOARD_PHOTO_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "board-photos"


def _refuse(message) -> ValidationFailed:
    return ValidationFailed(errors={"photo": [str(message)]})


def store_photo(data: bytes) -> str:
    """Check and store an uploaded photo; returns its file name. ``ValidationFailed`` names
    ``photo`` when it is not a JPEG or PNG picture of an acceptable size."""
    if not data:
        raise _refuse(_l("The photo is empty."))
    if len(data) > MAX_BYTES:
        raise _refuse(_l("The photo is larger than %(mb)s MB.", mb=MAX_BYTES // (1024 * 1024)))
    try:
        with Image.open(BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise _refuse(_l("Only JPEG or PNG photos."))
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(_l("The photo has too many pixels."))
            kind = image.format
            image.load()
            picture = ImageOps.exif_transpose(image)
            picture.thumbnail((MAX_SIDE, MAX_SIDE))
            out = BytesIO()
            if kind == "JPEG":
                picture.convert("RGB").save(out, "JPEG", quality=85)
            else:
                if picture.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    picture = picture.convert("RGBA")
                picture.save(out, "PNG")
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise _refuse(_l("This is not a JPEG or PNG photo.")) from error
    extension = FORMATS[kind][0]
    name = f"{secrets.token_hex(16)}.{extension}"
    folder = photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(out.getvalue())
    return name


def photo_file(name: str) -> tuple[Path, str] | None:
    """The stored file and its content type, or None for a name that is not ours."""
    if not NAME.match(name or ""):
        return None
    path = photo_dir() / name
    if not path.is_file():
        return None
    return path, "image/jpeg" if name.endswith(".jpg") else "image/png"
