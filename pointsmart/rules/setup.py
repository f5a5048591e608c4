"""Hooking the rule catalogue into the app (called by ``create_app``): its API."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import api
from ..errors import refuse_duplicates


def init_app(app: Flask) -> None:
    from .api import blp

    api.register(blp)
    refuse_duplicates(app, "uq_rules_village_id_code", "code", _l("A rule with this code exists."))
