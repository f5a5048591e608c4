"""JSON API of the offline counter: the snapshot, the "needs attention" list, the
committee's reconciliation and its two resolutions. (Offline sales themselves post through
``POST /redemptions`` with ``made_at``.)"""

from flask import jsonify, request

from ...accounts.auth import current_principal
from ...api import Blueprint
from ...errors import PROBLEM_JSON
from ...idempotent import idempotent_call
from ...schemas import ProblemSchema
from . import reconcile, snapshot
from .schemas import OfflineSaleList, OfflineSaleOut, OfflineSaleQuery, ResolveIn, SnapshotOut

blp = Blueprint(
    "counter_offline", __name__, description="The counter without network: snapshot, reconciliation"
)

_SNAPSHOT_OUT = SnapshotOut()


@blp.route("/shops/<int:shop_id>/offline-snapshot", methods=["GET"])
@blp.response(200, SnapshotOut)
@blp.alt_response(304, description="the counter's snapshot (If-None-Match) is current")
def offline_snapshot(shop_id):
    """What the shop's counter keeps to sell without network (the shop's keeper): the
    village's households (number, masked name, card version, balance), the shop's goods
    (price, stock), the village's offline limit and PIN threshold. Send the ``etag`` back in
    ``If-None-Match`` for a short 304 when nothing changed."""
    body = _SNAPSHOT_OUT.dump(snapshot.offline_snapshot(current_principal(), shop_id))
    response = jsonify(body)
    response.set_etag(body["etag"])
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


def _status(query) -> str | None:
    return None if query["status"] == "all" else query["status"]


@blp.route("/shops/<int:shop_id>/offline-sales", methods=["GET"])
@blp.arguments(OfflineSaleQuery, location="query")
@blp.response(200, OfflineSaleList)
def needs_attention(query, shop_id):
    """The shop's offline sales the server refused at sync ("needs attention"), oldest made
    first: pending ones by default. The shop's keeper and the village's admins."""
    items = reconcile.needs_attention(current_principal(), shop_id, _status(query))
    return {"items": items, "next_after": None}


@blp.route("/villages/<int:village_id>/offline-sales", methods=["GET"])
@blp.arguments(OfflineSaleQuery, location="query")
@blp.response(200, OfflineSaleList)
def reconciliation(query, village_id):
    """The village's offline sales the server refused, every shop (admins): the committee's
    reconciliation."""
    items = reconcile.reconciliation(current_principal(), village_id, _status(query))
    return {"items": items, "next_after": None}


@blp.route("/offline-sales/<int:offline_sale_id>", methods=["GET"])
@blp.response(200, OfflineSaleOut)
def get_offline_sale(offline_sale_id):
    return reconcile.find_offline_sale(current_principal(), offline_sale_id)


@blp.route("/offline-sales/<int:offline_sale_id>/resolve", methods=["POST"])
@blp.arguments(ResolveIn)
@blp.response(200, OfflineSaleOut)
@blp.doc(
    parameters=[
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 64},
        }
    ]
)
@blp.alt_response(
    409,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="offline_sale_resolved, no_household_to_charge, account_closed",
)
def resolve(data, offline_sale_id):
    """Resolve a pending offline sale (admin of the village): ``shortfall`` posts household
    -> shop (the household pays, even below zero), ``write_off`` posts issued -> shop (the
    village pays). One transfer, once; the goods leave the stock."""
    actor = current_principal()

    def produce():
        view = reconcile.resolve(actor, offline_sale_id, data["resolution"], memo=data.get("memo"))
        return OfflineSaleOut().dump(view)

    return idempotent_call(actor, data, produce, status=200)
