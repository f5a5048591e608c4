"""JSON API: households, their cards, and what a card shows whoever holds it."""

from ..accounts.auth import current_principal
from ..api import Blueprint
from ..extensions import card_limited
from ..replica import reads_from_replica
from ..schemas import page_of
from . import answer as household_answer
from . import service
from .card_images import image_response
from .card_sheet import card_for_printing
from .schemas import (
    CardHolderOut,
    CardOut,
    HouseholdIn,
    HouseholdList,
    HouseholdOut,
    HouseholdQuery,
)

blp = Blueprint("households", __name__, description="Households and their cards")


@blp.route("/villages/<int:village_id>/households", methods=["GET"])
@blp.arguments(HouseholdQuery, location="query")
@blp.response(200, HouseholdList)
def search_households(query, village_id):
    """Search by household number, head name, member name or phone."""
    rows = service.search_households(current_principal(), village_id, **query)
    return page_of(rows, query["limit"], lambda row: row["id"])


@blp.route("/villages/<int:village_id>/households", methods=["POST"])
@blp.arguments(HouseholdIn)
@blp.response(201, HouseholdOut)
def create_household(data, village_id):
    return service.create_household(current_principal(), village_id, **data)


@blp.route("/households/<int:household_id>", methods=["GET"])
@blp.response(200, HouseholdOut)
def get_household(household_id):
    """A household with its balance and this month's earned, deducted, redeemed and rank."""
    return household_answer.household_answer(current_principal(), household_id)


@blp.route("/households/<int:household_id>/card", methods=["POST"])
@blp.response(201, CardOut)
def issue_card(household_id):
    """Issue or reissue the household's card (admin); every older card stops working."""
    return service.issue_household_card(current_principal(), household_id)


@blp.route("/cards/<path:token>", methods=["GET"])
@reads_from_replica
@blp.response(200, CardHolderOut)
@blp.doc(security=[])
@card_limited
def card_holder(token):
    """Who a card belongs to, and the balance: for anyone holding the card.

    404 for a token that is not ours, 410 for a card replaced by a newer one
    (``card_revoked``) or of a household that moved away (``household_moved_away``). The short
    code is accepted too.
    """
    return service.card_holder(token)


@blp.route("/households/<int:household_id>/card.png", methods=["GET"])
@blp.response(200, content_type="image/png")
def card_png(household_id):
    """The QR code of the household's current card, as PNG (admin of its village).

    404 ``card_not_issued`` when the household has no card yet.
    """
    card = card_for_printing(current_principal(), household_id)
    return image_response(card.url, "png")


@blp.route("/households/<int:household_id>/card.svg", methods=["GET"])
@blp.response(200, content_type="image/svg+xml")
def card_svg(household_id):
    """The QR code of the household's current card, as SVG (admin of its village)."""
    card = card_for_printing(current_principal(), household_id)
    return image_response(card.url, "svg")
