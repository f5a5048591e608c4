"""``/api/v1/regions/<id>/dashboard``: the region's villages side by side."""

from __future__ import annotations

from ...accounts.auth import current_principal
from ...replica import reads_from_replica
from ..dashboard import region_dashboard
from ..schemas import DashboardOut, DashboardQuery
from .blueprint import blp


@blp.route("/regions/<int:region_id>/dashboard", methods=["GET"])
@reads_from_replica
@blp.arguments(DashboardQuery, location="query")
@blp.response(200, DashboardOut)
def dashboard(query, region_id):
    """Per village of the region, for a month or a year: households, active households,
    points issued, deducted and redeemed, board entries, what waits, what is owed to shops,
    the rank and the flags; the region's totals and its last twelve months."""
    return region_dashboard(current_principal(), region_id, query["period"])
