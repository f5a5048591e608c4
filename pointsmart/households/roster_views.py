"""The roster import pages for a village's clerk (an admin of the village).

* ``/admin/villages/<vid>/import``: the upload form, the template files, and the village's
  newest households.
* Uploading keeps the file on the server (see ``roster_uploads``) and shows its preview:
  every problem row by row, or the rows to import and a confirm button. Nothing is imported
  until every row is clean; confirming imports all rows in the request's one transaction. A
  double tap imports once (the form's one-time key), and the file is gone after the import.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..accounts.auth import login_required, page_principal
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..forms import refusal_errors, run_once
from ..villages.service import get_village
from . import roster, roster_files, roster_uploads

bp = Blueprint("roster", __name__, template_folder="templates", url_prefix="/admin/villages")


@bp.route("/<int:village_id>/import")
@login_required
def upload_form(village_id: int):
    return _upload_page(village_id)


@bp.route("/<int:village_id>/import", methods=["POST"])
@login_required
def upload(village_id: int):
    actor = page_principal()
    file = request.files.get("file")
    try:
        token = roster_uploads.save_upload(
            actor, village_id, file.filename if file else "", file.read() if file else b""
        )
    except ValidationFailed as invalid:
        return _upload_page(village_id, errors=refusal_errors(invalid, at="file", fields=()))
    return redirect(url_for("roster.preview", village_id=village_id, token=token), code=303)


def _upload_page(village_id: int, *, errors=None):
    """The upload form and the newest households; again with the file's errors (422)."""
    actor = page_principal()
    page = render_template(
        "households/roster_upload.html",
        village=get_village(actor, village_id),
        households=roster.recent_households(actor, village_id),
        total=roster.count_households(village_id),
        errors=errors or {},
    )
    return page, (422 if errors else 200)


@bp.route("/<int:village_id>/import/<token>")
@login_required
def preview(village_id: int, token: str):
    actor = page_principal()
    try:
        checked = roster_uploads.preview_upload(actor, village_id, token)
    except NotFound as gone:
        flash(str(gone.detail), "error")
        return redirect(url_for("roster.upload_form", village_id=village_id), code=303)
    return render_template(
        "households/roster_preview.html",
        village=get_village(actor, village_id),
        preview=checked,
        shown_rows=checked.rows[: roster_uploads.PREVIEW_ROWS],
    )


@bp.route("/<int:village_id>/import/<token>", methods=["POST"])
@login_required
def confirm(village_id: int, token: str):
    actor = page_principal()
    try:
        result = run_once(
            actor,
            {"village_id": village_id, "token": token},
            lambda: {"count": roster_uploads.import_upload(actor, village_id, token)},
        )
    except NotFound as gone:
        db.session.rollback()
        flash(str(gone.detail), "error")
        return redirect(url_for("roster.upload_form", village_id=village_id), code=303)
    except roster_files.RosterInvalid:
        # The village changed since the preview (a number was added meanwhile): show it again.
        db.session.rollback()
        return redirect(url_for("roster.preview", village_id=village_id, token=token), code=303)
    flash(
        ngettext("Imported %(num)s household.", "Imported %(num)s households.", result["count"]),
        "success",
    )
    return redirect(url_for("roster.upload_form", village_id=village_id), code=303)


@bp.route("/<int:village_id>/import/template.<any(xlsx, csv):kind>")
@login_required
def template(village_id: int, kind: str):
    """The roster template: the header and one example row."""
    actor = page_principal()
    get_village(actor, village_id)
    actor.require_admin(village_id)
    if kind == "xlsx":
        body = roster_files.template_xlsx()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = roster_files.template_csv()
        mimetype = "text/csv"  # Flask adds "; charset=utf-8" to a text type itself
    response = Response(body, mimetype=mimetype)
    name = _("roster-template")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=roster-template.{kind}; filename*=UTF-8''" + _quote(f"{name}.{kind}")
    )
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
