"""Every answer carries the security headers; no inline script is ever allowed."""

import re

import pytest

from pointsmart import create_app
from pointsmart.extensions import db
from pointsmart.security import API_REFERENCE_PATH
from tests.factories import Factories
from tests.security.matrix import ROLES, fetch
from tests.security.test_authorization import MATRIX


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


# --- every page, as someone who may see it --------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]", re.IGNORECASE)


def directives(policy: str) -> dict[str, str]:
    parts = [part.strip().split(" ", 1) for part in policy.split(";") if part.strip()]
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def readable_gets():
    """Each GET rule of the authorization matrix with a role that gets a 2xx."""
    for (method, rule), cells in sorted(MATRIX.items()):
        if method != "GET":
            continue
        role = next(
            (role for role, cell in zip(ROLES, cells, strict=True) if cell in ("200", "2xx")),
            None,
        )
        if role is not None:
            yield rule, role


def test_every_page_and_answer_carries_the_security_headers_and_no_inline_code(world_app):
    app, world, begin = world_app
    checked = []
    for rule, role in readable_gets():
        response = fetch(app, begin, world, "GET", rule, role)
        assert response.status_code == 200, (rule, role, response.status_code)
        headers = response.headers
        policy = directives(headers["Content-Security-Policy"])
        assert "unsafe-inline" not in policy.get("script-src", ""), rule
        assert "unsafe-eval" not in headers["Content-Security-Policy"], rule
        assert policy.get("script-src", policy.get("default-src")) in ("'self'", "'none'"), rule
        assert policy.get("frame-ancestors") == "'none'", rule
        assert headers["X-Content-Type-Options"] == "nosniff", rule
        # A card page sends none at all: its address holds the card token.
        assert headers["Referrer-Policy"] in ("same-origin", "no-referrer"), rule
        assert headers["X-Frame-Options"] == "DENY", rule
        if response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            assert not INLINE_SCRIPT.search(page), (rule, INLINE_SCRIPT.search(page)[0])
            assert not EVENT_HANDLER.search(page), (rule, EVENT_HANDLER.search(page)[0])
            if rule != API_REFERENCE_PATH:
                assert not STYLE_ATTRIBUTE.search(page), (rule, STYLE_ATTRIBUTE.search(page)[0])
                assert not INLINE_STYLE.search(page), rule
        checked.append(rule)
    assert len(checked) >= 60


def production_app(tmp_path):
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "a-production-secret-for-this-test",
            "PUBLIC_BASE_URL": "https://jifen.example.test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'production.db'}",
            "SINGLE_PROCESS": True,  # one app in this test's process: its memory counts
        }
    )

    @app.route("/__boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    @app.route("/api/v1/__boom")
    def api_boom():
        raise ZeroDivisionError("secret internals: password=hunter2")

    return app


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [("/__boom", "text/html"), ("/api/v1/__boom", "application/problem+json")],
)
def test_in_production_a_server_error_is_our_page_without_a_trace(tmp_path, caplog, path, mimetype):
    app = production_app(tmp_path)
    assert app.debug is False
    assert app.config["PROPAGATE_EXCEPTIONS"] is not True

    with app.app_context():
        # create_all, not the migrations: Alembic's logging setup would mute the app's logger.
        db.create_all()
        admin = Factories().staff("admin")
        db.session.commit()

    response = app.test_client().get(f"https://jifen.example.test{path}", headers=admin.auth)
    with app.app_context():
        db.engine.dispose()

    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == mimetype
    for leak in ("hunter2", "Traceback", "RuntimeError", "ZeroDivisionError", "Werkzeug", ".py"):
        assert leak not in body, leak
    if mimetype == "text/html":
        assert "系统出了问题" in body  # our error page, in Chinese
    else:
        assert response.get_json()["code"] == "internal_error"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "hunter2" in caplog.text


def test_a_header_the_route_set_itself_is_kept_and_each_header_is_sent_once(fresh_app):
    @fresh_app.route("/__own-policy")
    def own_policy():
        return "", 204, {"content-security-policy": "default-src 'none'"}

    response = fresh_app.test_client().get("/__own-policy")

    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    for name in ("X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"):
        assert len(response.headers.getlist(name)) == 1, name


def test_error_answers_carry_the_headers_of_their_kind(fresh_app):
    """The headers are added as the answer leaves Flask (``security.SecurityHeaders``): a
    refusal, a missing page and a server error carry them like any other answer."""

    @fresh_app.route("/api/v1/__broken")
    def broken():
        raise RuntimeError("boom")

    client = fresh_app.test_client()
    answers = {
        "api 401": client.get("/api/v1/villages"),
        "api 404": client.get("/api/v1/no-such-thing"),
        "api 500": client.get("/api/v1/__broken"),
        "page 405": client.delete("/login"),
        "api 401 with a doubled slash": client.get(
            "/", environ_overrides={"PATH_INFO": "//api/v1/villages"}
        ),
    }

    for name, response in answers.items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], name
        api = name.startswith("api")
        assert (response.headers.get("Cache-Control") == "no-store") is api, name
