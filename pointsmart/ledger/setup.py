"""Hooking the ledger into the app (called by ``create_app``): ``flask ledger``, and the
session hooks that write a transaction's pending transfers at its commit (``chain``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import chain
    from .cli import ledger_cli

    app.cli.add_command(ledger_cli)
    chain.init_app(app)
