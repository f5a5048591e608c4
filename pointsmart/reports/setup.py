"""Hooking the reports into the app (called by ``create_app``): pages and ``flask
reports``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
