"""Hooking bookkeeping into the app (called by ``create_app``): the ledger's API and
``flask points``."""

from __future__ import annotations

from flask import Flask

from .. import api


def init_app(app: Flask) -> None:
    from .api import blp
    from .cli import points_cli

    api.register(blp)
    app.cli.add_command(points_cli)
