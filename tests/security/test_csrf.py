"""Every page that takes a POST refuses it without a valid CSRF token, and session cookies are
HttpOnly, SameSite=Lax and, in production, Secure.

The JSON API is exempt from CSRF because it authenticates with bearer tokens only: a browser's
session cookie opens nothing there (checked below), so a forged cross-site request carries no
authority.
"""

from __future__ import annotations

import re

import flask_migrate
import pytest

from pointsmart import create_app
from pointsmart.accounts.service import create_user
from pointsmart.extensions import db
from tests.counter.web import hidden_fields, sign_in

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# The SMS provider's receipts and replies (pointsmart.notify.callbacks): posted by the provider,
# never by a browser, and authenticated by the secret in their URL instead of a session.
PROVIDER_CALLBACKS = "/notify/aliyun/"
SAMPLE = {"period": "2026-01", "code": "en", "token": "x", "kind": "png"}


def page_writes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static/", PROVIDER_CALLBACKS)):
            continue
        for method in sorted(rule.methods & WRITES):
            path = re.sub(
                r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>",
                lambda m: SAMPLE.get(m[1], "1"),
                rule.rule,
            )
            yield method, path


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_every_page_write_refuses_a_request_without_a_valid_csrf_token(app, client, make, token):
    admin = make.staff("admin")
    sign_in(client, admin)
    data = {"form_key": "k", "username": admin.username, "password": "correct-horse"}
    if token:
        data["csrf_token"] = token
    checked = []
    for method, path in page_writes(app):
        response = client.open(path, method=method, data=data)
        assert response.status_code == 400, (method, path, response.status_code)
        if response.mimetype == "application/problem+json":  # a page's script reads the code
            assert response.get_json()["code"] == "csrf_failed", (method, path)
        else:
            assert "表单已过期" in response.get_data(as_text=True), (method, path)
        checked.append(path)
    assert len(checked) >= 30
    assert {"/login", "/logout", "/me/login", "/me/pin", "/account/password"} <= set(checked)


def test_the_same_write_with_the_pages_token_is_accepted(client, make):
    admin = make.staff("admin")
    sign_in(client, admin)
    token = hidden_fields(client.get("/account/password").get_data(as_text=True))["csrf_token"]

    signed_out = client.post("/logout", data={"csrf_token": token})

    assert signed_out.status_code == 302


def test_a_session_cookie_opens_nothing_in_the_api(client, make):
    admin = make.staff("admin")
    sign_in(client, admin)

    response = client.post("/api/v1/villages", json={"name": "伪造村"})

    assert response.status_code == 401
    assert client.get("/api/v1/villages").status_code == 401


def session_cookie(set_cookie: str) -> dict[str, str | bool]:
    name_value, *attributes = [part.strip() for part in set_cookie.split(";")]
    flags: dict[str, str | bool] = {"name": name_value.split("=")[0]}
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        flags[key.lower()] = value or True
    return flags


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_in_production(tmp_path):
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "a-production-secret-for-this-test",
            "PUBLIC_BASE_URL": "https://jifen.example.test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'production.db'}",
            "SINGLE_PROCESS": True,  # one app in this test's process: its memory counts
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        create_user("prod-admin", "correct-horse", role="admin")
        db.session.commit()
    client = app.test_client()
    base = "https://jifen.example.test"
    login_page = client.get(f"{base}/login")
    token = hidden_fields(login_page.get_data(as_text=True))["csrf_token"]

    signed_in = client.post(
        f"{base}/login",
        data={"username": "prod-admin", "password": "correct-horse", "csrf_token": token},
        # Over HTTPS the CSRF check also wants the request to come from one of our pages.
        headers={"Referer": f"{base}/login"},
    )

    assert signed_in.status_code == 302
    cookie = session_cookie(signed_in.headers["Set-Cookie"])
    assert cookie["name"] == "session"
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert "max-age" in cookie or "expires" in cookie  # a signed-in session ends by itself
    with app.app_context():
        db.engine.dispose()
