"""Hooking households into the app (called by ``create_app``): the API, the cards' and the
roster's pages, ``flask cards`` and ``flask households``."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import api
from ..errors import refuse_duplicates


def init_app(app: Flask) -> None:
    from .api import blp
    from .card_cli import cards_cli
    from .card_views import bp as cards
    from .roster_cli import households_cli
    from .roster_views import bp as roster

    api.register(blp)
    app.register_blueprint(cards)
    app.register_blueprint(roster)
    app.cli.add_command(cards_cli)
    app.cli.add_command(households_cli)
    refuse_duplicates(
        app, "uq_households_village_id_number", "number", _l("This household number exists.")
    )
