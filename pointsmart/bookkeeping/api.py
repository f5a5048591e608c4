"""JSON API: a household's history and a village's ledger check."""

from ..accounts.auth import current_principal
from ..api import Blueprint
from ..ledger.schemas import HistoryQuery, TransferList, VerifyHeadOut, VerifyHeadQuery, VerifyOut
from ..replica import reads_from_replica
from ..schemas import page_of
from . import service

blp = Blueprint("ledger", __name__, description="History and verification of the ledger")


@blp.route("/households/<int:household_id>/transfers", methods=["GET"])
@reads_from_replica
@blp.arguments(HistoryQuery, location="query")
@blp.response(200, TransferList)
def household_transfers(query, household_id):
    """A household's history, newest first, paged with ``after`` and ``limit``."""
    rows = service.household_history(current_principal(), household_id, **query)
    return page_of(rows, query["limit"], lambda row: row["id"])


@blp.route("/villages/<int:village_id>/ledger/verify", methods=["GET"])
@blp.response(200, VerifyOut)
def verify(village_id):
    """Recompute the village's hash chain and caches (admin of the village)."""
    report = service.verify_ledger(current_principal(), village_id)
    return {
        "ok": report.ok,
        "transfers_checked": report.transfers_checked,
        "head_hash": report.head_hash,
        "first_bad_transfer_id": report.first_bad_transfer_id,
        "problems": report.problems,
    }


@blp.route("/villages/<int:village_id>/ledger/verify-head", methods=["GET"])
@blp.arguments(VerifyHeadQuery, location="query")
@blp.response(200, VerifyHeadOut)
def verify_head(query, village_id):
    """Prove the chain up to a printed head hash is unchanged (admin of the village)."""
    report = service.verify_ledger_head(current_principal(), village_id, **query)
    return {
        "ok": report.ok,
        "head_hash": report.head_hash,
        "seq": report.seq,
        "transfer_id": report.transfer_id,
        "transfers_checked": report.transfers_checked,
        "problems": report.problems,
    }
