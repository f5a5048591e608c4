"""Public pages, for anyone without signing in: the red and black board of the month, the
leaderboard, and the TV page of the service hall.

They show each household's number and head name (masked, 张*明, when the village asks for it)
and nothing else about the household (no reason text, no photo, no staff names).
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request

from ...accounts.auth import Principal, page_principal, villager_page_principal
from ...errors import NotFound, ValidationFailed
from ...periods import current_period, is_valid_period
from ...replica import replica_blueprint
from .. import screens as public
from .. import summary as boards

# Read-only pages: with a hot standby, they read from it (pointsmart.replica).
bp = replica_blueprint(
    Blueprint(
        "public_board",
        __name__,
        template_folder=str(Path(__file__).resolve().parents[1] / "templates"),
    )
)

PERIOD = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2]))?\Z")
GRID = re.compile(r"^[1-9][0-9]{0,8}\Z")
SECONDS = re.compile(r"^[1-9][0-9]{0,2}\Z")  # a panel shows 1 to 999 seconds


def page_viewer() -> Principal | None:
    """Who looks at a public page: staff signed in, a household signed in, or nobody."""
    return page_principal() or villager_page_principal()


def _village(village_id: int) -> public.PublicVillage:
    try:
        return public.public_village(village_id)
    except NotFound:
        abort(404)


@bp.route("/board/<int:village_id>", methods=["GET"])
def board(village_id):
    """The entries on the board now (those of one month with ``?period=``): an entry stays
    its days on the board whatever month its points count in, as on the TV, and may be
    objected to meanwhile."""
    village = _village(village_id)
    period = request.args.get("period") or None
    if period is not None and not is_valid_period(period):
        abort(404)
    viewer = page_viewer()
    try:
        entries = boards.public_board(village_id, period, viewer=viewer)
    except (NotFound, ValidationFailed):
        abort(404)
    villager = villager_page_principal()
    return render_template(
        "board/board.html",
        village=village,
        period=period,
        red=[public.public_entry(item) for item in entries["red"]],
        black=[public.public_entry(item) for item in entries["black"]],
        may_object=villager is not None and villager.household_village_id == village_id,
    )


@bp.route("/board/<int:village_id>/leaderboard", methods=["GET"])
def leaderboard(village_id):
    """The ranked households of a month or a year, of the whole village or one grid."""
    village = _village(village_id)
    period = request.args.get("period") or current_period(village.timezone)
    grid_text = request.args.get("grid") or ""
    if not PERIOD.match(period) or (grid_text and not GRID.match(grid_text)):
        abort(404)
    grid_id = int(grid_text) if grid_text else None
    try:
        board = public.public_leaderboard(
            village_id, period=period, grid_id=grid_id, viewer=page_viewer()
        )
    except (NotFound, ValidationFailed):
        abort(404)
    grids = public.grids_of(village_id)
    return render_template(
        "board/leaderboard.html",
        village=village,
        period=period,
        yearly=len(period) == 4,
        grid_id=grid_id,
        grid_name=next((g["name"] for g in grids if g["id"] == grid_id), None),
        grids=grids,
        choices=public.period_choices(village.timezone, shown=period),
        items=board["items"],
    )


@bp.route("/tv/<int:village_id>", methods=["GET"])
def tv(village_id):
    """The service hall's screen: panels that rotate (static JS) and a page that reloads
    itself; without JavaScript every panel shows at once."""
    _village(village_id)
    seconds = request.args.get("seconds", "")
    panel_seconds = (
        int(seconds) if SECONDS.match(seconds) else current_app.config["TV_PANEL_SECONDS"]
    )
    return render_template(
        "board/tv.html",
        panels=public.tv_panels(village_id),
        panel_seconds=panel_seconds,
        refresh_seconds=current_app.config["TV_REFRESH_SECONDS"],
    )
