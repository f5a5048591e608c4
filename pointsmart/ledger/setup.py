"""Hooking the ledger into the app (called by ``create_app``): ``flask ledger``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .cli import ledger_cli

    app.cli.add_command(ledger_cli)
