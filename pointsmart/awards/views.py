"""Pages for leaders: awarding by rule, monthly scoring, activities, red and black entries."""

from flask import Blueprint, Response, abort

from ..accounts.auth import page_principal
from .board import photo_visible
from .photos import photo_file

bp = Blueprint("awards_pages", __name__, template_folder="templates")


@bp.route("/board-photos/<int:entry_id>")
def board_photo(entry_id: int):
    """An entry's photo: for anyone while the entry is on the board, for its staff always.

    Sent as the image type it was stored as, with ``nosniff`` and a sandbox policy, so a
    browser never treats it as anything else.
    """
    name = photo_visible(entry_id, page_principal())
    found = photo_file(name) if name else None
    if found is None:
        abort(404)
    path, mimetype = found
    response = Response(path.read_bytes(), mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    return response
