"""JSON API: signing in."""

from ..api import Blueprint
from ..extensions import sign_in_limited
from . import service, villagers
from .auth import bearer_token, current_principal
from .schemas import PinChangeIn, TokenIn, TokenOut

blp = Blueprint("auth", __name__, description="Signing in")


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenIn)
@blp.response(201, TokenOut)
@blp.doc(security=[])
@sign_in_limited()
def issue_token(data):
    """Exchange a staff username and password, or a villager's phone and PIN, for a token.

    A villager's token sees only its own household (403 for any other). Any wrong part gets
    the same 401; five wrong PINs in a row lock the household's PIN for 15 minutes (a 401
    still). After five wrong passwords in a row a staff account waits 1, 2, 4, ... up to 60
    minutes before each further try: 429 ``sign_in_waiting`` with ``retry_after_seconds``,
    whichever address asks. ``pin_must_change`` is true when an admin set the PIN: choose a
    new one with ``POST /auth/pin``; until then every other call with that token answers 403
    ``pin_must_change``. Refused attempts are limited per client address
    (``LOGIN_RATE_LIMIT``; successful ones do not count) and so are all attempts
    (``LOGIN_ATTEMPT_LIMIT``); past either: 429 ``rate_limited``.
    """
    if "phone" in data:
        issued = villagers.issue_villager_token(data["phone"], data["pin"])
    else:
        issued = service.issue_staff_token(data["username"], data["password"])
    return {
        "token": issued.token,
        "expires_at": issued.expires_at,
        "user": service.describe_user(issued.principal),
        "pin_must_change": issued.pin_must_change,
    }


@blp.route("/auth/pin", methods=["POST"])
@blp.arguments(PinChangeIn)
@blp.response(204)
@sign_in_limited()
def change_pin(data):
    """A villager (household token) chooses a new 6-digit PIN, giving the current one.

    Every other token and web session of the household ends; this token stays. 403
    ``forbidden`` for a staff token; 422 when the current PIN is wrong or the new one is
    not 6 digits or is the same. A wrong current PIN counts as a wrong PIN at sign-in: the
    fifth in a row locks the PIN for 15 minutes (429 ``pin_locked``).
    """
    villagers.change_pin(
        current_principal(), data["pin"], data["new_pin"], keep_token=bearer_token()
    )
