"""Hooking the site's own pages (home, language) into the app (called by ``create_app``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .health import bp as health
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(health)
