"""Response headers that every page and API answer carries.

The Content-Security-Policy allows scripts and styles only from our own files (no inline
code, no other hosts), frames from nowhere, and forms only to ourselves. The API reference
page is the one exception: the vendored ReDoc bundle injects its styles at run time and
renders in a web worker, so that page alone allows inline styles and blob: workers.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "media-src": "'self' blob:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
API_REFERENCE_POLICY = BASE_POLICY | {
    "style-src": "'self' 'unsafe-inline'",
    "worker-src": "'self' blob:",
}
API_REFERENCE_PATH = "/api/v1/docs"
# For stored uploads (photos): nothing in them may load or run, even if a browser were told to
# render one as a document, and no page may frame them.
UPLOAD_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"


def upload_response(
    data: bytes, mimetype: str, *, cache_control: str, disposition: str = "inline"
) -> Response:
    """A stored upload as the browser gets it: its one type (``nosniff``), under
    ``UPLOAD_POLICY``, never a page of ours."""
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = cache_control
    response.headers["Content-Security-Policy"] = UPLOAD_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = disposition
    return response


def _render(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def security_headers(*, policy: str, production: bool, api: bool) -> tuple[tuple[str, str], ...]:
    """The headers one kind of answer carries (a page, the API, the API reference)."""
    headers = [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        # The counter and the leaders' pages scan cards with the camera; nothing else is used.
        ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
    ]
    if production:
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    if api:
        headers.append(("Cache-Control", "no-store"))
    return tuple(headers)


def register_security_headers(app: Flask) -> None:
    """Every answer gets the headers of its kind, built once here; a header the route set
    itself (a stricter policy for an upload, a cache lifetime) is left as it is.

    They are added where the answer leaves Flask, to the WSGI header list (``SecurityHeaders``
    wraps the app's own ``wsgi_app``, inside WhiteNoise and any ProxyFix, so the answers that
    reach Flask and only those carry them, as when this was an after-request hook): the
    constant pairs are appended as they are, where werkzeug's ``Headers`` would check each
    name and value again on every answer. ``create_app`` calls this before wrapping
    ``wsgi_app`` in anything else.
    """
    production = app.config["ENV_NAME"] == "production"

    def keyed(headers):  # (lower-case name, (name, value)), for the one comparison per answer
        return tuple((name.lower(), (name, value)) for name, value in headers)

    page = keyed(security_headers(policy=_render(BASE_POLICY), production=production, api=False))
    api = keyed(security_headers(policy=_render(BASE_POLICY), production=production, api=True))
    reference = keyed(
        security_headers(policy=_render(API_REFERENCE_POLICY), production=production, api=True)
    )
    app.wsgi_app = SecurityHeaders(app.wsgi_app, page=page, api=api, reference=reference)


class SecurityHeaders:
    """WSGI middleware adding each answer's security headers to its header list."""

    def __init__(self, application, *, page, api, reference) -> None:
        self.application = application
        self.page, self.api, self.reference = page, api, reference

    def __call__(self, environ, start_response):
        # The path as Flask routes it (werkzeug's ``Request.path``): "//api/v1/x" is /api/v1/x.
        path = "/" + environ.get("PATH_INFO", "").lstrip("/")
        if path == API_REFERENCE_PATH:
            wanted = self.reference
        else:
            wanted = self.api if path.startswith("/api/") else self.page

        def start_with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers.extend([pair for key, pair in wanted if key not in present])
            return start_response(status, headers, exc_info)

        return self.application(environ, start_with_headers)


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, with its signing serializer built once per secret.

    Flask builds the serializer (an itsdangerous signer with its key derivation) in every
    ``open_session`` and ``save_session``, so every request paid for it, even one that never
    looks at the session. The serializer holds no per-request state.

    A request without the session cookie (an API call, the TV, a first visit) starts an empty
    session at once: asking the cookies for a missing one raises and catches werkzeug's
    ``BadRequestKeyError`` inside ``MultiDict.get``, on every such request.

    A permanent session is sent back (with a new expiry) by page loads only, and by any request
    that changed it. Flask sends it back with every answer, as it was when the request began:
    a script's fetch in the background (the offline counter's snapshot) that began before a
    card was scanned and ended after it put back the session without the scanned card, and
    Back to the pick page then found nothing to show. A browser says which requests are page
    loads (``Sec-Fetch-Mode: navigate``); a client that does not say is treated as one.
    """

    def should_set_cookie(self, app: Flask, session) -> bool:
        if session.modified:
            return True
        refresh = session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        return refresh and request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"

    def open_session(self, app: Flask, request):
        if self.get_cookie_name(app) in request.cookies or self.get_signing_serializer(app) is None:
            return super().open_session(app, request)
        return self.session_class()

    def __init__(self) -> None:
        self._serializers: dict[tuple, object] = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = self._serializers[key] = super().get_signing_serializer(app)
        return serializer
