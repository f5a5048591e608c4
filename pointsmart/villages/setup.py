"""Hooking villages into the app (called by ``create_app``): villages and grids (API)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import api
from ..errors import refuse_duplicates


def init_app(app: Flask) -> None:
    from .api import blp

    api.register(blp)
    refuse_duplicates(app, "uq_villages_name", "name", _l("A village with this name exists."))
    refuse_duplicates(app, "uq_grids_village_id_name", "name", _l("A grid with this name exists."))
