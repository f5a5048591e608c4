"""JSON API: the committee's monthly summary."""

from ...accounts.auth import Principal, current_principal
from ...api import Blueprint
from ...errors import Unauthorized
from ...replica import replica_blueprint
from .. import summary as service
from ..leaderboard import leaderboard
from ..names import public_names
from ..schemas import (
    BoardOut,
    BoardQuery,
    LeaderboardOut,
    LeaderboardQuery,
    SummaryOut,
    SummaryQuery,
)

# Every answer here is a read: with a hot standby, they read from it (pointsmart.replica).
blp = replica_blueprint(Blueprint("boards", __name__, description="Summaries and boards"))


def optional_principal() -> Principal | None:
    """The caller of a public endpoint if it sent a valid token, else None (the public)."""
    try:
        return current_principal()
    except Unauthorized:
        return None


@blp.route("/villages/<int:village_id>/summary", methods=["GET"])
@blp.arguments(SummaryQuery, location="query")
@blp.response(200, SummaryOut)
def summary(query, village_id):
    """Issued, deducted, redeemed and settled in a month; outstanding at its end (admin)."""
    return service.village_summary(current_principal(), village_id, query["period"])


@blp.route("/villages/<int:village_id>/board", methods=["GET"])
@blp.arguments(BoardQuery, location="query")
@blp.response(200, BoardOut)
@blp.doc(security=[])
def board(query, village_id):
    """The red and black list entries on the public board now (for anyone), of one month when
    ``period`` is given. A black entry stays for the village's ``black_board_days``, a red one
    for ``red_board_days``; a reversed entry (an upheld objection) leaves it at once.

    When the village masks names, ``head_name`` is masked (张*明) unless the caller's token is
    one of the village's staff (all names) or a household (its own name)."""
    return service.public_board(village_id, query["period"], viewer=optional_principal())


@blp.route("/villages/<int:village_id>/leaderboard", methods=["GET"])
@blp.arguments(LeaderboardQuery, location="query")
@blp.response(200, LeaderboardOut)
@blp.doc(security=[])
def village_leaderboard(query, village_id):
    """The ranked households of a month (``YYYY-MM``) or a year (``YYYY``), for anyone.

    Points are earned minus deducted in the period; ties share a rank (1, 2, 2, 4).
    ``grid_id`` ranks one grid only. Names are masked as on the public board.
    """
    board = leaderboard(village_id, **query)
    public_names(board["items"], village_id, optional_principal())
    return board
