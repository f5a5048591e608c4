"""The health check a monitor asks: the app and its database answer, or a 503 that says
which part does not."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import build_app


def test_the_health_check_answers_ok_while_the_database_does(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_the_health_check_says_the_database_is_unavailable_when_it_does_not_answer(app):
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        unreachable = url.set(database="/nonexistent-directory/pointsmart.db")
    else:
        unreachable = url.set(host="127.0.0.1", port=1)  # nothing listens there
    cut_off = build_app(unreachable.render_as_string(hide_password=False), migrate=False)

    response = cut_off.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "database_unavailable"
