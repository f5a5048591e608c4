"""Extension objects, created unbound and attached to an app by ``create_app``."""

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from .database import Base, RoutingSession

db = SQLAlchemy(
    model_class=Base,
    session_options={"expire_on_commit": False, "class_": RoutingSession},
)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
# Storage comes from RATELIMIT_STORAGE_URI: Redis when REDIS_URL is set (required in
# production, see ``config``), memory otherwise.
# No default and no application limits: only the views marked by ``rate_limited`` have any.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

RATE_LIMITED = "pointsmart_rate_limited"
# The shared limits (``rate_limited(scope=...)``): one count per address for all their views.
SIGN_IN_SCOPE = "sign-in"
CARD_SCOPE = "card"


def card_limited(view):
    """The limit of the views that take a card's token or short code from anyone
    (``CARD_PAGE_RATE_LIMIT``, default 60 a minute), one count per address for all of them:
    guessing short codes must stay slow, whichever door it uses."""
    return rate_limited(
        lambda: current_app.config.get("CARD_PAGE_RATE_LIMIT", "60/minute"), scope=CARD_SCOPE
    )(view)


def rate_limited(limit_value, *, scope: str | None = None, **options):
    """``limiter.limit`` on a view, and a mark on the view that it has a limit.

    With ``scope``, every view limited under that name shares one count per client address
    (``limiter.shared_limit``): the page and the API that check the same secret are one door,
    not two, each with its own limit.
    """

    def decorate(view):
        if scope is None:
            limited = limiter.limit(limit_value, **options)(view)
        else:
            limited = limiter.shared_limit(limit_value, scope, **options)(view)
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

    Both are shared by every view that checks a password or a PIN (``SIGN_IN_SCOPE``): the
    sign-in pages, the API's token, the password and PIN changes. A guesser who changes door
    gets no more tries.

    Each staff account also waits longer and longer after wrong passwords in a row, from any
    address (``accounts.service``); each household's PIN locks after five (``counter.pins``).
    """

    def decorate(view):
        view = rate_limited(
            lambda: current_app.config["LOGIN_RATE_LIMIT"],
            scope=f"{SIGN_IN_SCOPE}-refused",
            deduct_when=refused,
            **options,
        )(view)
        return rate_limited(
            lambda: current_app.config["LOGIN_ATTEMPT_LIMIT"], scope=SIGN_IN_SCOPE, **options
        )(view)

    return decorate


def is_rate_limited_view() -> bool:
    """Whether this request's view carries a limit (its wrappers copy the mark)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, RATE_LIMITED, False)


def init_limiter(app) -> None:
    """Flask-Limiter on the app, touched only by the views that have a limit.

    pointsmart has no default, application or blueprint limits: every limit is a
    ``rate_limited`` view, and Flask-Limiter's decorator checks a view's own limits when the
    view is called. Its app-wide before-request hook would only resolve the endpoint's limits
    and find none, on every request; it is left out. Its after-request hook (the
    ``X-RateLimit-*`` headers of the limit just checked) and its teardown (which forgets that
    limit) run for limited views only.
    """
    before = app.before_request_funcs.setdefault(None, [])
    after = app.after_request_funcs.setdefault(None, [])
    teardown = app.teardown_request_funcs.setdefault(None, [])
    known = (len(before), len(after), len(teardown))
    limiter.init_app(app)
    added = (before[known[0] :], after[known[1] :], teardown[known[2] :])
    if not any(added) and not app.config.get("RATELIMIT_ENABLED", True):
        return  # RATELIMIT_ENABLED=False: Flask-Limiter added no hooks to adjust
    if [len(hooks) for hooks in added] != [1, 1, 1] or added[0] != [limiter._check_request_limit]:
        raise RuntimeError("Flask-Limiter's request hooks are not the ones this version had")
    before.remove(limiter._check_request_limit)
    inject_headers, release = added[1][0], added[2][0]

    views = app.view_functions  # the app's own, not ``current_app``'s proxy, twice a request

    def limited() -> bool:
        return getattr(views.get(request.endpoint), RATE_LIMITED, False)

    def inject_limit_headers(response):
        return inject_headers(response) if limited() else response

    def release_limit_context(error=None):
        if limited():
            release(error)

    after[after.index(inject_headers)] = inject_limit_headers
    teardown[teardown.index(release)] = release_limit_context
