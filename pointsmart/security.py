"""Response headers that every page and API answer carries.

The Content-Security-Policy allows scripts and styles only from our own files (no inline
code, no other hosts), frames from nowhere, and forms only to ourselves. The API reference
page is the one exception: the vendored ReDoc bundle injects its styles at run time and
renders in a web worker, so that page alone allows inline styles and blob: workers.
"""

from __future__ import annotations

from flask import Flask, Response, request

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


def _render(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def register_security_headers(app: Flask) -> None:
    base_policy, reference_policy = _render(BASE_POLICY), _render(API_REFERENCE_POLICY)
    production = app.config["ENV_NAME"] == "production"

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        is_reference = request.path == API_REFERENCE_PATH
        headers.setdefault(
            "Content-Security-Policy", reference_policy if is_reference else base_policy
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        # The counter and the leaders' pages scan cards with the camera; nothing else is used.
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        return response
