"""``/c/<token>``: the card page a villager's phone opens from the card's QR code (public,
read-only, no sign-in). A card replaced by a newer one gets a clear 410 page, as does the card
of a household that moved away; an unknown one a 404 page; a short code with a typing mistake
a 422 page. Every answer is kept out of caches, referrers and search engines. What it shows
is ``card_overview``.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from ..extensions import card_limited
from ..households.cards import CardCodeMistyped, CardNotFound, CardOfHouseholdMovedAway, CardRevoked
from ..replica import reads_from_replica
from .card_overview import card_overview

bp = Blueprint("card", __name__, template_folder="templates")


def _private(response: Response) -> Response:
    """The card URL is the card: keep it out of caches, referrers and search engines."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/c/<path:token>")
@reads_from_replica
@card_limited
def card_page(token: str):
    """What a villager's phone shows for the card: balance, this month, the last entries.

    Rate-limited per client address with the card API (``extensions.card_limited``): the
    page also takes the short code, and guessing codes must stay slow.
    """
    try:
        overview = card_overview(token)
    except (CardRevoked, CardOfHouseholdMovedAway) as stopped:
        moved_away = isinstance(stopped, CardOfHouseholdMovedAway)
        body = render_template("villagers/card_stopped.html", moved_away=moved_away)
        return _private(Response(body, status=410))
    except CardNotFound:
        body = render_template("villagers/card_unknown.html")
        return _private(Response(body, status=404))
    except CardCodeMistyped as mistyped:  # what was typed is near a card's code: kept private
        body = render_template("error.html", problem=mistyped)
        return _private(Response(body, status=mistyped.status))
    page = render_template("villagers/card_page.html", card=overview)
    return _private(Response(page))
