"""Hooking text messages into the app (called by ``create_app``)."""

from __future__ import annotations

from flask import Flask

from .. import api
from ..ledger import listeners


def init_app(app: Flask) -> None:
    from .api import blp
    from .callbacks import bp as callbacks
    from .cli import notify_cli
    from .outbox import on_transfer
    from .views import bp as pages
    from .views import sms_consent_of

    listeners.on_household_transfer(app, on_transfer)
    api.register(blp)
    app.register_blueprint(callbacks)
    app.register_blueprint(pages)
    app.cli.add_command(notify_cli)
    app.jinja_env.globals["sms_consent_of"] = sms_consent_of
