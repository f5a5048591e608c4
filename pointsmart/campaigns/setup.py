"""Hooking campaigns into the app (called by ``create_app``)."""

from __future__ import annotations

from flask import Flask

from .. import api


def init_app(app: Flask) -> None:
    from .api import blp, campaigns, nominations  # noqa: F401 - the route modules fill blp
    from .board import campaign_board
    from .cli import campaign_cli
    from .conferral import titles_of
    from .views import bp, region, staff, villager  # noqa: F401 - the route modules fill bp

    api.register(blp)
    app.register_blueprint(bp)
    app.cli.add_command(campaign_cli)
    app.jinja_env.globals["campaign_titles_of"] = titles_of
    app.jinja_env.globals["campaign_board"] = campaign_board
