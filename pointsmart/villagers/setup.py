"""Hooking the villagers' pages into the app (called by ``create_app``): ``/me``, the card page
(``/c/<token>``) and the printed statement slips (with ``flask statements``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .card_views import bp as card
    from .slips_views import bp as statements
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(statements)
    app.register_blueprint(card)
