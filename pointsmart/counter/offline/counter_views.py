"""The counter page's own JSON endpoints for selling without network (``offline-*.js``).

The counter runs on the staff member's web session (a cookie), not on an API token, so
these sit beside the counter's pages: the session signs the caller in, and the POST carries
the page's CSRF token (``X-CSRFToken``) like any form. Both answer JSON, refusals as
problem+json with their stable code.

* ``GET /shops/<id>/counter/offline-snapshot``: the shop's snapshot (see ``snapshot``), the
  signed-in user's id (a phone's waiting sales are sent only by whoever made them: their
  keys are that user's) and a fresh CSRF token for the sales to send; with the snapshot's
  ETag in ``If-None-Match``, a bodiless 304 carrying the token and the user id in headers.
* ``POST /shops/<id>/counter/offline-sales``: one sale made offline, with its
  ``Idempotency-Key``: 201 posted, or 202 kept for the committee (``sync.redeem_offline``).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError

from ...accounts.auth import page_principal
from ...errors import Unauthorized, ValidationFailed, speaks_json
from ...idempotent import idempotent_call
from ...validation_messages import translate_messages
from .. import customers, goods
from ..fields import made_at_field
from ..schemas import RedemptionIn
from . import reconcile, snapshot, sync
from .schemas import OfflineSaleOut, SnapshotOut

bp = speaks_json(Blueprint("offline_counter", __name__))

_SNAPSHOT_OUT = SnapshotOut()
_OFFLINE_SALE_OUT = OfflineSaleOut()


class OfflineSaleIn(RedemptionIn):
    made_at = made_at_field(required=True)


_SALE_IN = OfflineSaleIn(exclude=("shop_id", "pin"))


def _signed_in():
    actor = page_principal()
    if actor is None:
        raise Unauthorized()
    return actor


@bp.route("/shops/<int:shop_id>/counter/offline-snapshot")
def counter_snapshot(shop_id: int):
    actor = _signed_in()
    body = _SNAPSHOT_OUT.dump(snapshot.offline_snapshot(actor, shop_id))
    # The snapshot changes rarely; the CSRF token and the user travel in headers too, so a
    # counter holding this very snapshot gets them in a bodiless 304.
    token = generate_csrf()
    response = jsonify({**body, "user_id": actor.user_id, "csrf_token": token})
    response.set_etag(f"{body['etag']}-{actor.user_id}")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-CSRF-Token"] = token
    response.headers["X-User-Id"] = str(actor.user_id)
    return response.make_conditional(request)


@bp.route("/shops/<int:shop_id>/counter/offline-sales", methods=["POST"])
def counter_offline_sale(shop_id: int):
    actor = _signed_in()
    customers.require_seller(actor, goods.find_shop(shop_id))
    try:
        data = _SALE_IN.load(request.get_json(silent=True) or {})
    except ValidationError as error:
        raise ValidationFailed(errors=translate_messages(error.messages)) from error
    payload = {"shop_id": shop_id, **data}

    def produce():
        outcome = sync.redeem_offline(
            actor, shop_id=shop_id, client_key=request.headers["Idempotency-Key"], **data
        )
        return _offline_sale_answer(actor, outcome)

    return idempotent_call(actor, payload, produce)


def _offline_sale_answer(actor, outcome) -> tuple[dict, int]:
    """A sale posted (201, with its receipt) or kept pending for the office (202)."""
    if outcome.sale is not None:
        sale = outcome.sale
        return {
            "status": "posted",
            "id": sale.id,
            "total_points": sale.total_points,
            "balance_after": sale.balance_after,
            "receipt_url": url_for("counter_pages.receipt", redemption_id=sale.id),
        }, 201
    view = reconcile.find_offline_sale(actor, outcome.pending.id)
    return {"status": "pending", **_OFFLINE_SALE_OUT.dump(view)}, 202
