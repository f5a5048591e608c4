"""Hooking the board into the app (called by ``create_app``): its API (entries and objections;
the public summaries, board and leaderboards), its pages (staff and public), and the red entry
that goes on the board once its award is approved."""

from __future__ import annotations

from flask import Flask

from .. import api


def init_app(app: Flask) -> None:
    from ..awards.approvals import award_approved
    from .api import entries, public
    from .entries import record_approved_entry
    from .views import public as public_pages
    from .views import staff

    api.register(entries.blp)
    api.register(public.blp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(public_pages.bp)
    award_approved.connect(record_approved_entry)
