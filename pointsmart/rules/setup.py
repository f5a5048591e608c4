"""Hooking the rule catalogue into the app (called by ``create_app``): its API."""

from __future__ import annotations

from flask import Flask

from .. import api


def init_app(app: Flask) -> None:
    from .api import blp

    api.register(blp)
