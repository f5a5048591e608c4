"""JSON API: posting awards and deductions, and reversing entries."""

from flask_smorest import Blueprint

from ..accounts.auth import current_principal
from ..idempotent import idempotent_call
from ..ledger.queries import transfer_view
from ..ledger.schemas import ReversalIn, TransferIn, TransferOut
from . import service

blp = Blueprint("awards", __name__, description="Awards, deductions and reversals")

IDEMPOTENCY_HEADER = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 64},
        }
    ]
}


@blp.route("/transfers", methods=["POST"])
@blp.arguments(TransferIn)
@blp.response(201, TransferOut)
@blp.doc(**IDEMPOTENCY_HEADER)
def post_transfer(data):
    """Award or deduct points for a household (leader or admin of its village)."""
    actor = current_principal()

    def produce():
        transfer = service.post_adhoc(actor, **data)
        return TransferOut().dump(transfer_view(transfer))

    return idempotent_call(actor, data, produce)


@blp.route("/transfers/<int:transfer_id>/reversal", methods=["POST"])
@blp.arguments(ReversalIn)
@blp.response(201, TransferOut)
@blp.doc(**IDEMPOTENCY_HEADER)
def reverse_transfer(data, transfer_id):
    """Reverse a transfer with a reason (admin of its village); a transfer is reversed once."""
    actor = current_principal()

    def produce():
        reversal = service.reverse_entry(actor, transfer_id, reason=data["reason"])
        return TransferOut().dump(transfer_view(reversal))

    return idempotent_call(actor, data, produce)
