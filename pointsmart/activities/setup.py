"""Hooking activities into the app (called by ``create_app``): the API and the pages."""

from __future__ import annotations

from flask import Flask

from .. import api


def init_app(app: Flask) -> None:
    from .api import blp
    from .views import bp

    api.register(blp)
    app.register_blueprint(bp)
