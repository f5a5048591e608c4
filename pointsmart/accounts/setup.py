"""Hooking accounts into the app (called by ``create_app``): sign-in pages, the token API,
``flask users``."""

from __future__ import annotations

from flask import Flask

from .. import api


def init_app(app: Flask) -> None:
    from .api import blp
    from .cli import users_cli
    from .views import bp

    api.register(blp)
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
