"""JSON API: red and black list entries, and objections (异议) to them."""

from __future__ import annotations

from flask import request, url_for

from ...accounts.auth import current_principal
from ...api import Blueprint
from ...awards.api.routes import IDEMPOTENCY_HEADER, WAITS, outcome_body, post_once
from ...awards.photos import MAX_BYTES
from ...schemas import PageQuery, page_of, photo_from_base64
from ...villages.service import find_village
from .. import entries as board
from .. import objections
from ..schemas import (
    BoardEntryIn,
    BoardEntryList,
    BoardEntryOut,
    ObjectionDecisionIn,
    ObjectionIn,
    ObjectionList,
    ObjectionOut,
    ObjectionQuery,
)

blp = Blueprint("board", __name__, description="Red and black list entries and objections")


@blp.url_value_preprocessor
def allow_photos(endpoint, values):
    """An entry may carry a photo of up to ``MAX_BYTES`` (base64: a third more), above the
    app's usual request limit; only this endpoint takes it. (This runs before any
    before-request hook reads the body.)"""
    if endpoint == "board.create_entry":
        request.max_content_length = MAX_BYTES * 2


def entry_body(view: dict) -> dict:
    """An entry view with its photo's address (not yet dumped)."""
    body = dict(view)
    body["photo_url"] = (
        url_for("board_pages.board_photo", entry_id=view["id"]) if view["has_photo"] else None
    )
    return body


@blp.route("/villages/<int:village_id>/board-entries", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, BoardEntryList)
def list_entries(query, village_id):
    """Every red and black entry of the village, newest first, with its status (staff)."""
    rows = board.list_entries(current_principal(), village_id, **query)
    return page_of([entry_body(row) for row in rows], query["limit"], lambda row: row["id"])


@blp.route("/villages/<int:village_id>/board-entries", methods=["POST"])
@blp.arguments(BoardEntryIn)
@blp.response(201, BoardEntryOut)
@blp.alt_response(409, description=WAITS["description"])
@blp.doc(**IDEMPOTENCY_HEADER)
def create_entry(data, village_id):
    """A red (commendation) or black (criticism) entry by a rule of that category, with the
    reason in words and optionally a photo; posts its points at once (a red entry above the
    approval threshold waits for approval: 409 ``approval_required``)."""
    actor = current_principal()

    def produce():
        photo = photo_from_base64(data["photo_base64"])
        outcome = board.create_entry(
            actor,
            household_id=data["household_id"],
            rule_id=data["rule_id"],
            reason=data["reason"],
            quantity=data["quantity"],
            photo=photo,
            period=data["period"],
            village_id=village_id,
        )
        if outcome.approval is not None:
            outcome_body(outcome)  # raises approval_required
        entry = outcome.extra["entry"]
        view = board.entries_view([entry], board.local_today(find_village(village_id).timezone))
        return BoardEntryOut().dump(entry_body(view[0]))

    return post_once(actor, data, produce)


@blp.route("/board-entries/<int:entry_id>/objections", methods=["POST"])
@blp.arguments(ObjectionIn)
@blp.response(201, ObjectionOut)
def raise_objection(data, entry_id):
    """A household objects to an entry while it is on the board: with its own villager login,
    or an admin files it for the household (``household_id``). 409 ``not_on_board``,
    ``already_objected``."""
    return objections.raise_objection(current_principal(), entry_id, **data)


@blp.route("/villages/<int:village_id>/objections", methods=["GET"])
@blp.arguments(ObjectionQuery, location="query")
@blp.response(200, ObjectionList)
def list_objections(query, village_id):
    """Objections to the village's entries, newest first (admin)."""
    items = objections.list_objections(current_principal(), village_id, **query)
    return {"items": items, "next_after": None}


@blp.route("/objections/<int:objection_id>/decision", methods=["POST"])
@blp.arguments(ObjectionDecisionIn)
@blp.response(200, ObjectionOut)
@blp.doc(**IDEMPOTENCY_HEADER)
def decide_objection(data, objection_id):
    """Uphold (the entry's points are reversed, with the reason) or dismiss, with a reason
    either way (admin); once (409 ``already_decided``)."""
    actor = current_principal()

    def produce():
        objection = objections.decide_objection(
            actor, objection_id, uphold=data["uphold"], reason=data["reason"]
        )
        return ObjectionOut().dump(objection)

    return post_once(actor, data, produce, status=200)
