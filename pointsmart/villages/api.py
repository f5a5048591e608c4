"""JSON API: villages and grids."""

from ..accounts.auth import current_principal
from ..api import Blueprint
from ..schemas import PageQuery, page_of
from . import service
from .schemas import GridIn, GridList, GridOut, VillageIn, VillageList, VillageOut

blp = Blueprint("villages", __name__, description="Villages and grids")


@blp.route("/villages", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, VillageList)
def list_villages(query):
    """Villages the caller may see."""
    rows = service.list_villages(current_principal(), **query)
    return page_of(rows, query["limit"], lambda village: village.id)


@blp.route("/villages", methods=["POST"])
@blp.arguments(VillageIn)
@blp.response(201, VillageOut)
def create_village(data):
    """Create a village with its ledger accounts (admin of every village)."""
    return service.create_village(current_principal(), **data)


@blp.route("/villages/<int:village_id>", methods=["GET"])
@blp.response(200, VillageOut)
def get_village(village_id):
    return service.get_village(current_principal(), village_id)


@blp.route("/villages/<int:village_id>/grids", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, GridList)
def list_grids(query, village_id):
    rows = service.list_grids(current_principal(), village_id, **query)
    return page_of(rows, query["limit"], lambda grid: grid.id)


@blp.route("/villages/<int:village_id>/grids", methods=["POST"])
@blp.arguments(GridIn)
@blp.response(201, GridOut)
def create_grid(data, village_id):
    return service.create_grid(current_principal(), village_id, **data)
