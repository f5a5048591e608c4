"""Hooking accounts into the app (called by ``create_app``): sign-in pages, the token API,
``flask users``."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import api
from ..errors import refuse_duplicates


def init_app(app: Flask) -> None:
    from .api import blp
    from .cli import users_cli
    from .views import bp

    api.register(blp)
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
    refuse_duplicates(app, "uq_users_username", "username", _l("This username is taken."))
