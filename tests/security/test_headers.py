"""Every answer carries the security headers; no inline script is ever allowed."""

import pytest

from pointsmart.extensions import db
from tests.factories import Factories


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/openapi.json", "/no-such-page"])
def test_pages_and_api_answers_carry_the_security_headers(client, path):
    response = client.get(path)

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_api_reference_allows_inline_styles_but_never_inline_scripts(client):
    response = client.get("/api/v1/docs")

    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert response.status_code == 200
    assert "unsafe-inline" in policy["style-src"]
    assert policy["script-src"] == "'self'"


def test_api_answers_are_not_cached(client):
    assert client.get("/api/v1/villages").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/__boom", "/api/v1/__boom"])
def test_a_server_error_reveals_nothing(fresh_app, path, caplog):
    @fresh_app.route(path)
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    with fresh_app.app_context():
        admin = Factories().staff("admin")
        db.session.commit()
    response = fresh_app.test_client().get(path, headers=admin.auth)

    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "hunter2" not in body
    assert "Traceback" not in body
    assert "hunter2" in caplog.text  # it is logged for us, not shown to them
