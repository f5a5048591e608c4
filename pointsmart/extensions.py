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
# Storage comes from RATELIMIT_STORAGE_URI: Redis when REDIS_URL is set, memory otherwise.
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


@limiter.request_filter
def _no_limit_on_this_view() -> bool:
    """Requests to views without a limit skip the limiter, which would otherwise resolve the
    endpoint's limits and its blueprint's exemptions on every request for nothing (about as
    much CPU as a statement). Every view's wrappers copy the mark (``functools.wraps``)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, RATE_LIMITED, False)
