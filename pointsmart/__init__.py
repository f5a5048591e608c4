"""pointsmart: the village moral-points supermarket (积分超市).

``create_app(config)`` is the one way in for the server, the command line and the tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
from flask_babel import get_locale

from . import models  # noqa: F401 - every table on the metadata before migrations or create_all
from .accounts.setup import init_app as init_accounts
from .activities.setup import init_app as init_activities
from .admin.setup import init_app as init_admin
from .api import init_api
from .awards.setup import init_app as init_awards
from .board.setup import init_app as init_board
from .bookkeeping.setup import init_app as init_bookkeeping
from .campaigns.setup import init_app as init_campaigns
from .cli import register_cli
from .config import load_config
from .counter.setup import init_app as init_counter
from .database import ping_when_idle, register_sqlite_transaction_control
from .errors import register_error_handlers
from .extensions import babel, csrf, db, init_limiter, migrate
from .forms import form_key_field
from .households.setup import init_app as init_households
from .ledger.setup import init_app as init_ledger
from .notify.setup import init_app as init_notify
from .regions.setup import init_app as init_regions
from .replica import init_replica
from .reports.setup import init_app as init_reports
from .request_cycle import IdConverter, register_request_hooks, register_transaction_end
from .rule_templates.setup import init_app as init_rule_templates
from .rules.setup import init_app as init_rules
from .security import CookieSessionInterface, register_security_headers
from .site.setup import init_app as init_site
from .villagers.setup import init_app as init_villagers
from .villages.setup import init_app as init_villages
from .webapp import static_files
from .webapp.setup import init_app as init_webapp

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def select_locale() -> str:
    from flask import current_app, session

    if not has_request_context():  # command line, background threads
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return chosen
    # The reader's first language that we speak, by its primary tag: zh-CN, zh-Hans and zh-TW
    # are Chinese, en-US is English. (Werkzeug's best_match prefers any exact match, so
    # "zh-CN, en;q=0.8" would have answered in English.) Chinese when nothing matches.
    for tag, quality in request.accept_languages:
        primary = tag.replace("_", "-").split("-")[0].lower()
        if quality > 0 and primary == "en":
            return "en"
        if quality > 0 and primary in ("zh", "*"):
            break
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` overrides what the environment says.

    Every listener, hook, blueprint and command is registered here (each package's
    ``setup.init_app``): importing a module registers nothing.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = IdConverter
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))
    app.extensions["app_factory"] = create_app  # ``flask restore`` verifies its copy with it

    register_security_headers(app)  # innermost: on Flask's own answers (see its docstring)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    static_files.init_app(app)  # hashed, compressed, cached for a year (WhiteNoise)
    register_sqlite_transaction_control()
    db.init_app(app)
    with app.app_context():
        ping_when_idle(db.engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
    init_limiter(app)
    csrf.init_app(app)
    migrate.init_app(
        app, db, directory=str(MIGRATIONS_DIR), compare_type=True, render_as_batch=True
    )
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["form_key"] = form_key_field

    register_request_hooks(app)
    init_api(app)
    # Each package's API (in this order in the OpenAPI document), pages, listeners, commands.
    for init_package in (
        init_accounts,
        init_villages,
        init_households,
        init_rules,
        init_awards,
        init_activities,
        init_counter,
        init_bookkeeping,
        init_ledger,
        init_board,
        init_regions,
        init_notify,  # text messages: also a ledger listener and the provider's callbacks
        init_campaigns,  # 评选
        init_rule_templates,  # county rule templates (积分细则) and villages' adoptions
        init_site,
        init_admin,
        init_villagers,
        init_reports,
        init_webapp,
    ):
        init_package(app)
    register_error_handlers(app)
    app.session_interface = CookieSessionInterface()
    register_cli(app)
    init_replica(app)  # with DATABASE_REPLICA_URL: the marked views read from the standby
    register_transaction_end(app)  # last: it runs first (see its docstring)
    return app
