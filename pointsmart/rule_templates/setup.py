"""Hooking the rule templates into the app (called by ``create_app``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..api import api
    from ..extensions import csrf
    from .api import blp
    from .views import bp

    api.register_blueprint(blp, url_prefix="/api/v1")
    csrf.exempt(blp)  # bearer tokens, never cookies (as every API blueprint)
    app.register_blueprint(bp)
