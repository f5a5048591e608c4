"""pointsmart: the village moral-points supermarket (积分超市).

``create_app(config)`` is the one way in for the server, the command line and the tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
from flask_babel import get_locale

from .config import load_config
from .database import register_sqlite_transaction_control
from .extensions import babel, csrf, db, init_limiter, migrate
from .webapp import static_files

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
    """Build the application. ``config`` overrides what the environment says."""
    app = Flask(__name__, instance_relative_config=True)
    from .api import IdConverter

    app.url_map.converters["int"] = IdConverter
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    static_files.init_app(app)  # hashed, compressed, cached for a year (WhiteNoise)
    register_sqlite_transaction_control()
    db.init_app(app)
    init_limiter(app)
    csrf.init_app(app)
    migrate.init_app(
        app, db, directory=str(MIGRATIONS_DIR), compare_type=True, render_as_batch=True
    )
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale

    # Import models so every table is on the metadata before migrations or create_all.
    from . import models  # noqa: F401
    from .accounts.views import bp as accounts_pages
    from .admin.views import bp as admin_pages
    from .api import register_api, register_request_hooks, register_transaction_end
    from .awards.views import bp as awards_pages
    from .cli import register_cli
    from .counter.offline.counter_views import bp as offline_counter
    from .counter.offline.views import bp as offline_pages
    from .counter.views import bp as counter_pages
    from .errors import register_error_handlers
    from .regions.views import bp as regions_pages
    from .replica import init_replica
    from .reports.views import bp as reports_pages
    from .security import CookieSessionInterface, register_security_headers
    from .site.views import bp as site_bp
    from .villagers.public_views import bp as public_board_pages
    from .villagers.slips_views import bp as statement_pages
    from .villagers.views import bp as villager_pages
    from .villages.card_views import bp as card_pages
    from .villages.roster_views import bp as roster_pages
    from .webapp.views import bp as webapp_bp

    register_request_hooks(app)
    register_api(app)
    from .awards.ledger_checks import init_app as init_rule_checks

    init_rule_checks(app)  # ledger verify checks rule arithmetic the awards package owns
    from .notify.setup import init_app as init_notify

    init_notify(app)  # text messages: the ledger listener, API, pages, callbacks, CLI
    from .campaigns.setup import init_app as init_campaigns

    init_campaigns(app)  # 评选: API, pages, the titles templates show
    from .regions.setup import init_app as init_regions

    init_regions(app)  # the dashboard's rollups (a ledger listener) and ``flask regions``
    from .rule_templates.setup import init_app as init_rule_templates

    init_rule_templates(app)  # county rule templates (积分细则) and villages' adoptions
    app.register_blueprint(site_bp)
    app.register_blueprint(accounts_pages)
    app.register_blueprint(admin_pages)
    app.register_blueprint(awards_pages)
    app.register_blueprint(counter_pages)
    app.register_blueprint(offline_pages)
    app.register_blueprint(offline_counter)
    app.register_blueprint(card_pages)
    app.register_blueprint(roster_pages)
    app.register_blueprint(villager_pages)
    app.register_blueprint(public_board_pages)
    app.register_blueprint(reports_pages)
    app.register_blueprint(regions_pages)
    app.register_blueprint(statement_pages)
    app.register_blueprint(webapp_bp)
    from .forms import form_key_field

    app.jinja_env.globals["form_key"] = form_key_field
    register_error_handlers(app)
    register_security_headers(app)
    app.session_interface = CookieSessionInterface()
    register_cli(app)
    init_replica(app)  # with DATABASE_REPLICA_URL: the marked views read from the standby
    register_transaction_end(app)  # last: it runs first (see its docstring)
    return app
