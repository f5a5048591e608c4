"""JSON API: signing in."""

from flask import current_app
from flask_smorest import Blueprint

from ..extensions import limiter
from . import service
from .schemas import TokenIn, TokenOut

blp = Blueprint("auth", __name__, description="Signing in")


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenIn)
@blp.response(201, TokenOut)
@blp.doc(security=[])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def issue_token(data):
    """Exchange a staff username and password for a bearer token.

    Attempts are limited per client address (``LOGIN_RATE_LIMIT``); past it: 429.
    """
    issued = service.issue_staff_token(data["username"], data["password"])
    return {
        "token": issued.token,
        "expires_at": issued.expires_at,
        "user": service.describe_user(issued.principal),
    }
