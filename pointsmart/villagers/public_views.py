"""Public pages: the red and black board of the month, for anyone, without signing in.

They show each entry's household number, head name, rule and points, nothing else about the
household (no reason text, no photo, no staff names).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request

from ..boards import service as boards
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..periods import current_period, is_valid_period
from ..villages.models import Village

bp = Blueprint("public_board", __name__, template_folder="templates")


@bp.route("/board/<int:village_id>", methods=["GET"])
def board(village_id):
    village = db.session.execute(
        sa.select(Village.id, Village.name, Village.timezone).where(Village.id == village_id)
    ).one_or_none()
    if village is None:
        abort(404)
    period = request.args.get("period") or current_period(village.timezone)
    if not is_valid_period(period):
        abort(404)
    try:
        entries = boards.public_board(village_id, period)
    except (NotFound, ValidationFailed):
        abort(404)
    return render_template(
        "villagers/board.html",
        village=village,
        period=period,
        red=[_public(item) for item in entries["red"]],
        black=[_public(item) for item in entries["black"]],
    )


def _public(item: dict) -> dict:
    return {
        "number": item["number"],
        "head_name": item["head_name"],
        "rule": item["rule"]["name"],
        "points": item["points"],
    }
