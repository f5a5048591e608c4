"""The public home page and the language switch.

The language switch is a plain link (no JavaScript): ``GET /lang/<code>?next=<path>`` stores
the choice in the session and sends the visitor back to ``next``, which must be a path on
this site; anything else (another host, ``//host``, a scheme) goes to the home page instead,
so the switch can never be used as an open redirect.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

bp = Blueprint("site", __name__, template_folder="templates")


@bp.route("/")
def home():
    return render_template("site/home.html")


@bp.route("/lang/<code>")
def switch_language(code: str):
    """Remember the visitor's language and go back to where they were."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(safe_local_path(request.args.get("next")), code=303)


def safe_local_path(target: str | None) -> str:
    """``target`` if it is a path on this site, otherwise the home page."""
    home_path = url_for("site.home")
    if not target or any(c in target for c in "\\\r\n\t") or not target.startswith("/"):
        return home_path
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return home_path
    return target


def language_switch_url(code: str) -> str:
    """The switch link for ``code`` that returns to the current page (minus any ``?lang=``)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    here = request.path + (f"?{urlencode(args)}" if args else "")
    return url_for("site.switch_language", code=code, next=here)


@bp.app_context_processor
def language_links() -> dict:
    return {"language_switch_url": language_switch_url}
