"""Pages of the campaigns (评选). The blueprint lives here; the route modules (``staff``,
``villager``, ``public``) add their routes to it and ``setup`` imports them.

Every form carries CSRF and a one-time key and runs through ``forms.act`` (or ``run_once``); a
refusal other than a 403 or 404 comes back to the page as a message in the page's language.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

bp = Blueprint(
    "campaigns_pages",
    __name__,
    template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
)
