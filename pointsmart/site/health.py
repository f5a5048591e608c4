"""``GET /healthz``: for a monitor, nginx or systemd to ask whether this process serves.

200 ``{"status": "ok"}`` while the app answers and its database does (one ``SELECT 1``
through the pool, as a request's reads go); 503 problem+json ``database_unavailable`` when
the database does not, so a monitor tells "the app is down" (no answer) from "the database
is down" (a 503). No sign-in, no session, nothing written, never cached. A standby that is
down is not a failure here: its reads go to the primary (``pointsmart.replica``).

flask-healthz (a kept blueprint of the same idea) answers problem+json without our stable
``code`` and takes any name as a check; a route of our own answers as the app does.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ..errors import Problem, speaks_json
from ..extensions import db

log = logging.getLogger(__name__)

bp = speaks_json(Blueprint("health", __name__))


class DatabaseUnavailable(Problem):
    status, code = 503, "database_unavailable"
    title = _l("The database does not answer.")


@bp.route("/healthz")
def health():
    try:
        db.session.execute(sa.select(sa.literal(1))).scalar_one()
    except sa.exc.DBAPIError as error:
        log.warning("health check: the database does not answer: %s", error.orig)
        db.session.rollback()
        raise DatabaseUnavailable() from error
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}
