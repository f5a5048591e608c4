"""An uploaded roster kept on the server between its preview and the clerk's confirmation.

The file lies in ``<instance>/roster-uploads/`` (or the ``ROSTER_UPLOAD_DIR`` setting) under
a name made of the user's id, the village's id and a random token, so only the clerk who
uploaded it can preview or import it, and only for that village. It is deleted once
imported; files left over from abandoned previews are deleted a day later, at the next upload.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import NotFound, ValidationFailed
from ..villages.service import get_village
from . import roster, roster_files

SUFFIXES = (".xlsx", ".csv")
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}\Z")
KEEP_SECONDS = 24 * 3600
PREVIEW_ROWS = 500  # rows listed on the preview page; all rows are still checked and imported


@dataclass(frozen=True)
class Preview:
    token: str
    rows: list[roster_files.RosterRow]
    problems: list[roster_files.RowProblem]

    @property
    def clean(self) -> bool:
        return not self.problems and bool(self.rows)


def _folder() -> Path:
    configured = current_app.config.get("ROSTER_UPLOAD_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "roster-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _require_clerk(actor: Principal, village_id: int) -> None:
    get_village(actor, village_id)
    actor.require_admin(village_id)


def save_upload(actor: Principal, village_id: int, filename: str, data: bytes) -> str:
    """Keep an uploaded roster for its preview; returns the token that names it."""
    _require_clerk(actor, village_id)
    suffix = Path(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationFailed(errors={"file": [str(_l("Choose an .xlsx or .csv file."))]})
    if not data:
        raise ValidationFailed(errors={"file": [str(_l("The file is empty."))]})
    _remove_stale()
    token = secrets.token_urlsafe(24)
    (_folder() / f"{actor.user_id}-{village_id}-{token}{suffix}").write_bytes(data)
    return token


def upload_path(actor: Principal, village_id: int, token: str) -> Path:
    """The kept file of this clerk, village and token (404 when gone or someone else's)."""
    _require_clerk(actor, village_id)
    if TOKEN.match(token):
        for suffix in SUFFIXES:
            path = _folder() / f"{actor.user_id}-{village_id}-{token}{suffix}"
            if path.is_file():
                return path
    raise NotFound(_l("This upload was imported already or has expired. Upload the file again."))


def preview_upload(actor: Principal, village_id: int, token: str) -> Preview:
    """Every problem of the kept file, row by row, and its rows."""
    path = upload_path(actor, village_id, token)
    try:
        rows = roster_files.read_roster(path)
    except roster_files.RosterInvalid as invalid:
        return Preview(token=token, rows=[], problems=invalid.problems)
    return Preview(token=token, rows=rows, problems=roster.check_roster(village_id, rows))


def import_upload(actor: Principal, village_id: int, token: str) -> int:
    """Import the kept file (all rows or none, in the caller's transaction) and delete it.

    The file is deleted only after the import's rows are written; if the caller's commit then
    fails, the clerk uploads again (the numbers are checked again then).
    """
    path = upload_path(actor, village_id, token)
    count = roster.import_roster(actor, village_id, roster_files.read_roster(path))
    path.unlink(missing_ok=True)
    return count


def _remove_stale() -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in _folder().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
