"""JSON API: the committee's monthly summary."""

from flask_smorest import Blueprint

from ..accounts.auth import current_principal
from . import service
from .schemas import SummaryOut, SummaryQuery

blp = Blueprint("boards", __name__, description="Summaries and boards")


@blp.route("/villages/<int:village_id>/summary", methods=["GET"])
@blp.arguments(SummaryQuery, location="query")
@blp.response(200, SummaryOut)
def summary(query, village_id):
    """Issued, deducted, redeemed and settled in a month; outstanding at its end (admin)."""
    return service.village_summary(current_principal(), village_id, query["period"])
