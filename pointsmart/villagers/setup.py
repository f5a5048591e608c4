"""Hooking the villagers' pages into the app (called by ``create_app``): ``/me`` and the
printed statement slips (with ``flask statements``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .slips_views import bp as statements
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(statements)
