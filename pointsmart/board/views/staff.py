"""The board's pages for leaders and admins: a red or black list entry for a household (with a
photo), the village's entries, the objections queue where admins uphold or dismiss, and the
entries' photos."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ...accounts.auth import login_required, page_principal
from ...accounts.service import display_names
from ...awards.photos import MAX_BYTES, photo_file
from ...awards.views.pages import REQUIRED, entry_result, flash_entry, leader_village, signed
from ...forms import act, act_on_page, parse_form, refuse_form
from ...households import service as households
from ...periods import local_today
from ...rules import catalogue as rules
from ...security import UPLOAD_POLICY
from ...text import Text
from .. import entries as board
from .. import objections

bp = Blueprint(
    "board_pages",
    __name__,
    template_folder=str(Path(__file__).resolve().parents[1] / "templates"),
)
UPLOAD_ENDPOINTS = {"board_pages.board_entry"}


@bp.url_value_preprocessor
def allow_photo_uploads(endpoint, values):
    """The red/black entry form takes a photo: allow a larger body there only. (This runs
    before every before-request hook, so before CSRF protection reads the form.)"""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = MAX_BYTES * 2


class EntryForm(Schema):
    rule_id = fields.Int(required=True, error_messages=REQUIRED)
    quantity = fields.Decimal(
        load_default=1,
        error_messages={"invalid": _l("Give a number."), "special": _l("Give a number.")},
        validate=validate.Range(
            min=0, min_inclusive=False, max=1000, error=_l("Give a number above 0.")
        ),
    )
    reason = Text(
        required=True,
        error_messages=REQUIRED,
        validate=validate.Length(1, 500, error=_l("At most %(max)s characters.", max=500)),
    )


def entry_page(actor, village, household_id, *, errors=None, form=None, status=200):
    view = households.get_household(actor, household_id)
    if view.village_id != village.id:
        abort(404)
    choices = [
        r
        for r in rules.list_rules(actor, village.id, active=True)
        if r.category in ("red", "black") and r.current is not None
    ]
    return (
        render_template(
            "board/board_entry.html",
            village=village,
            household=view,
            rules=choices,
            errors=errors or {},
            form=form or {},
            max_mb=MAX_BYTES // (1024 * 1024),
        ),
        status,
    )


@bp.route("/leader/<int:village_id>/households/<int:household_id>/board-entry")
@login_required
def board_entry_form(village_id: int, household_id: int):
    actor, village = leader_village(village_id)
    return entry_page(actor, village, household_id)


@bp.route("/leader/<int:village_id>/households/<int:household_id>/board-entry", methods=["POST"])
@login_required
def board_entry(village_id: int, household_id: int):
    """A red or black entry with its reason and an optional photo (JPEG or PNG)."""
    actor, village = leader_village(village_id)
    values, errors = parse_form(EntryForm())
    form = request.form.to_dict()

    def page(errors: dict, status: int):
        return entry_page(actor, village, household_id, errors=errors, form=form, status=status)

    if errors:
        return page(errors, 422)
    upload = request.files.get("photo")
    photo = upload.read(MAX_BYTES + 1) if upload and upload.filename else None

    def produce() -> dict:
        return entry_result(
            board.create_entry(
                actor, household_id=household_id, photo=photo, village_id=village_id, **values
            )
        )

    payload = {**values, "photo": len(photo) if photo else None}
    return act_on_page(actor, payload, produce, page, _entry_made(village_id))


def _entry_made(village_id: int):
    """Once made: what was posted said, and the village's list of entries."""

    def made(result: dict):
        points = signed(result["points"])
        flash_entry(result, lambda: _("Entry made: %(points)s points.", points=points))
        return redirect(url_for("board_pages.board_list", village_id=village_id))

    return made


@bp.route("/leader/<int:village_id>/board")
@login_required
def board_list(village_id: int):
    """The village's red and black entries, newest first, with whether each is on the board."""
    actor, village = leader_village(village_id)
    entries = board.list_entries(actor, village_id, limit=50)[:50]
    return render_template(
        "board/board_list.html",
        village=village,
        entries=entries,
        names=display_names(e["created_by_id"] for e in entries),
    )


# --- objections (admins) ---------------------------------------------------------------------


@bp.route("/leader/<int:village_id>/objections")
@login_required
def objection_queue(village_id: int):
    """Objections waiting for a decision, each with the entry it is about."""
    actor, village = leader_village(village_id)
    waiting = objections.list_objections(actor, village_id, status="pending")
    entries = {
        view["id"]: view
        for view in board.entries_view(
            [board.find_entry(o.entry_id) for o in waiting],
            local_today(village.timezone),
        )
    }
    return render_template(
        "board/objections.html",
        village=village,
        objections=waiting,
        entries=entries,
        households=households.household_labels({o.household_id for o in waiting}),
    )


class ObjectionDecisionForm(Schema):
    decision = fields.Str(required=True, validate=validate.OneOf(["uphold", "dismiss"]))
    reason = Text(
        required=True,
        error_messages={"required": _l("Say why, in words.")},
        validate=validate.Length(1, 500, error=_l("Say why, in words.")),
    )


@bp.route("/leader/<int:village_id>/objections/<int:objection_id>", methods=["POST"])
@login_required
def decide_objection(village_id: int, objection_id: int):
    """Uphold (the entry's points are reversed) or dismiss, with a reason either way."""
    actor, _village = leader_village(village_id)
    back = url_for("board_pages.objection_queue", village_id=village_id)
    values, errors = parse_form(ObjectionDecisionForm())
    if errors:
        return refuse_form(errors, back)
    uphold = values["decision"] == "uphold"
    payload = {"objection_id": objection_id, "uphold": uphold, "reason": values["reason"]}

    def produce() -> dict:
        decided = objections.decide_objection(
            actor, objection_id, uphold=uphold, reason=values["reason"]
        )
        return {"status": decided.status}

    def done(result: dict) -> str:
        if result["status"] == "upheld":
            return _("Upheld: the entry's points were reversed.")
        return _("Dismissed: the entry stands.")

    return act(actor, payload, produce, back, done)


# --- photos ----------------------------------------------------------------------------------


@bp.route("/board-photos/<int:entry_id>")
def board_photo(entry_id: int):
    """An entry's photo: for anyone while the entry is on the board, for its staff always.

    Sent as the image type it was stored as, with ``nosniff`` and a sandbox policy, so a
    browser never treats it as anything else.
    """
    name = board.photo_visible(entry_id, page_principal())
    found = photo_file(name) if name else None
    if found is None:
        abort(404)
    path, mimetype = found
    response = Response(path.read_bytes(), mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = UPLOAD_POLICY
    response.headers["Content-Disposition"] = "inline"
    return response
