"""Hooking campaigns into the app (called by ``create_app``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..api import api
    from ..extensions import csrf
    from .api import blp, campaigns, nominations  # noqa: F401 - the route modules fill blp
    from .board import campaign_board
    from .cli import campaign_cli
    from .conferral import titles_of
    from .views import bp, region, staff, villager  # noqa: F401 - the route modules fill bp

    api.register_blueprint(blp, url_prefix="/api/v1")
    csrf.exempt(blp)  # bearer tokens, never cookies (as every API blueprint)
    app.register_blueprint(bp)
    app.cli.add_command(campaign_cli)
    app.jinja_env.globals["campaign_titles_of"] = titles_of
    app.jinja_env.globals["campaign_board"] = campaign_board
