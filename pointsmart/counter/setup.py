"""Hooking the counter into the app (called by ``create_app``): shops, goods, sales and
settlements (API and pages), and the offline counter."""

from __future__ import annotations

from flask import Flask

from .. import api


def init_app(app: Flask) -> None:
    from .api import blp
    from .offline.api import blp as offline_blp
    from .offline.counter_views import bp as offline_counter
    from .offline.views import bp as offline_pages
    from .views import bp

    api.register(blp)
    api.register(offline_blp)
    app.register_blueprint(bp)
    app.register_blueprint(offline_pages)
    app.register_blueprint(offline_counter)
