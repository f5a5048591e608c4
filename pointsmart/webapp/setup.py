"""Hooking the web app's own routes (manifests, the service worker) into the app (called by
``create_app``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
