"""JSON API: signing in."""

from flask_smorest import Blueprint

from . import service
from .schemas import TokenIn, TokenOut

blp = Blueprint("auth", __name__, description="Signing in")


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenIn)
@blp.response(201, TokenOut)
@blp.doc(security=[])
def issue_token(data):
    """Exchange a staff username and password for a bearer token."""
    issued = service.issue_staff_token(data["username"], data["password"])
    return {
        "token": issued.token,
        "expires_at": issued.expires_at,
        "user": service.describe_user(issued.principal),
    }
