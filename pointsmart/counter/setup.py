"""Hooking the counter into the app (called by ``create_app``): shops, goods, sales and
settlements (API and pages), and the offline counter."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import api
from ..errors import refuse_duplicates


def init_app(app: Flask) -> None:
    from .api import blp
    from .offline.api import blp as offline_blp
    from .offline.counter_views import bp as offline_counter
    from .offline.views import bp as offline_pages
    from .views import bp

    api.register(blp)
    api.register(offline_blp)
    app.register_blueprint(bp)
    app.register_blueprint(offline_pages)
    app.register_blueprint(offline_counter)
    refuse_duplicates(app, "uq_shops_village_id_name", "name", _l("A shop with this name exists."))
    refuse_duplicates(
        app, "uq_products_shop_id_name", "name", _l("This shop already has goods of this name.")
    )
