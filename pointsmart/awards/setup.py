"""Hooking awards into the app (called by ``create_app``): the API, the pages, and the
rule arithmetic ``ledger verify`` checks."""

from __future__ import annotations

from flask import Flask

from .. import api


def init_app(app: Flask) -> None:
    from .api import blp
    from .ledger_checks import init_app as init_rule_checks
    from .views import bp

    api.register(blp)
    app.register_blueprint(bp)
    init_rule_checks(app)
