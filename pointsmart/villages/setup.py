"""Hooking villages into the app (called by ``create_app``): villages and grids (API)."""

from __future__ import annotations

from flask import Flask

from .. import api


def init_app(app: Flask) -> None:
    from .api import blp

    api.register(blp)
