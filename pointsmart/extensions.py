"""Extension objects, created unbound and attached to an app by ``create_app``."""

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from .database import Base

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
# Storage comes from RATELIMIT_STORAGE_URI: Redis when REDIS_URL is set (required in
# production, see ``config``), memory otherwise.
# No default and no application limits: only the views marked by ``rate_limited`` have any.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

RATE_LIMITED = "pointsmart_rate_limited"


def rate_limited(limit_value, **options):
    """``limiter.limit`` on a view, and a mark on the view that it has a limit."""

    def decorate(view):
        limited = limiter.limit(limit_value, **options)(view)
        setattr(limited, RATE_LIMITED, True)
        return limited

    return decorate


def refused(response) -> bool:
    """A sign-in that did not succeed: any 4xx answer but the limiter's own 429."""
    return 400 <= response.status_code < 500 and response.status_code != 429


def sign_in_limited(**options):
    """The sign-in limits of a view, per client address (``**options`` as ``limiter.limit``).

    * ``LOGIN_RATE_LIMIT`` counts refused attempts only (``deduct_when``): the successful
      sign-ins of a village office behind one address never use it up.
    * ``LOGIN_ATTEMPT_LIMIT``, larger, counts every attempt as it arrives. A limit that counts
      after the answer checks each of a burst of parallel guesses before any is counted; this
      one bounds such a burst.

    Each staff account also waits longer and longer after wrong passwords in a row, from any
    address (``accounts.service``); each household's PIN locks after five (``counter.pins``).
    """

    def decorate(view):
        view = rate_limited(
            lambda: current_app.config["LOGIN_RATE_LIMIT"], deduct_when=refused, **options
        )(view)
        return rate_limited(lambda: current_app.config["LOGIN_ATTEMPT_LIMIT"], **options)(view)

    return decorate


@limiter.request_filter
def _no_limit_on_this_view() -> bool:
    """Requests to views without a limit skip the limiter, which would otherwise resolve the
    endpoint's limits and its blueprint's exemptions on every request for nothing (about as
    much CPU as a statement). Every view's wrappers copy the mark (``functools.wraps``)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, RATE_LIMITED, False)
