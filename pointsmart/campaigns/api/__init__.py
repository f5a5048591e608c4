"""JSON API of the campaigns (评选). The blueprint lives here; the route modules
(``campaigns``, ``nominations``) add their routes to it and ``setup`` imports them."""

from ...api import Blueprint

blp = Blueprint("campaigns", __name__, description="评选 campaigns: nominate, review, confer")
