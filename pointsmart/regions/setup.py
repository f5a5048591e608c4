"""Hooking the regions into the app (called by ``create_app``): the API and pages, the
rollups' ledger listener and their check in ``ledger verify``, the check of a new village's
township and ``flask regions``."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import api
from ..errors import refuse_duplicates
from ..ledger import checks, listeners
from ..villages.service import on_placing_village
from .access import township_for_new_village


def init_app(app: Flask) -> None:
    from .api import blp
    from .cli import regions_cli
    from .rollups import on_transfer, rollup_problems
    from .views import bp

    api.register(blp)
    app.register_blueprint(bp)
    listeners.on_household_transfer(app, on_transfer)
    checks.check_villages_with(app, rollup_problems)
    on_placing_village(app, township_for_new_village)
    app.cli.add_command(regions_cli)
    for constraint in ("uq_regions_parent_id_name", "uq_regions_name"):  # siblings, counties
        refuse_duplicates(app, constraint, "name", _l("A region with this name exists here."))
