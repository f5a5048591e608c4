"""Hooking the ledger into the app (called by ``create_app``): its API, ``flask ledger``
and ``flask points``."""

from __future__ import annotations

from flask import Flask

from .. import api


def init_app(app: Flask) -> None:
    from .api import blp
    from .clearing_cli import points_cli
    from .cli import ledger_cli

    api.register(blp)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(points_cli)
