"""Sign-in attempts are limited per client address, and with Redis across every worker."""

import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from pointsmart.extensions import db
from tests.conftest import app_on_fresh_database
from tests.factories import Factories
from tests.system_packages import redis_url


@pytest.mark.app_config(LOGIN_RATE_LIMIT="3/minute")
def test_signing_in_too_often_from_one_address_is_refused_with_429(fresh_app):
    with fresh_app.app_context():
        Factories().staff("admin", password="right-password")
        db.session.commit()
    client = fresh_app.test_client()
    attempt = {"username": "nobody", "password": "wrong-password"}

    statuses = [client.post("/api/v1/auth/token", json=attempt).status_code for _ in range(3)]
    refused = client.post("/api/v1/auth/token", json=attempt)
    other_address = client.post(
        "/api/v1/auth/token", json=attempt, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )

    assert statuses == [401, 401, 401]
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["code"] == "rate_limited"
    assert "Retry-After" in refused.headers
    assert other_address.status_code == 401


@pytest.mark.app_config(LOGIN_RATE_LIMIT="3/minute")
def test_successful_sign_ins_do_not_use_up_the_limit_of_a_shared_office_address(fresh_app):
    with fresh_app.app_context():
        clerk = Factories().staff("admin", password="right-password")
        db.session.commit()
    client = fresh_app.test_client()
    right = {"username": clerk.username, "password": "right-password"}
    wrong = {"username": clerk.username, "password": "wrong-password"}

    signed_in = [client.post("/api/v1/auth/token", json=right).status_code for _ in range(6)]
    refused = [client.post("/api/v1/auth/token", json=wrong).status_code for _ in range(4)]

    assert signed_in == [201] * 6
    assert refused == [401, 401, 401, 429]


@pytest.mark.app_config(LOGIN_RATE_LIMIT="100/minute", LOGIN_ATTEMPT_LIMIT="4/minute")
def test_every_attempt_counts_against_the_larger_limit(fresh_app):
    """The limit that counts refusals counts them after the answer; this one counts each
    attempt as it comes, so a burst of parallel guesses is bounded too."""
    client = fresh_app.test_client()
    attempt = {"username": "nobody", "password": "wrong-password"}

    statuses = [client.post("/api/v1/auth/token", json=attempt).status_code for _ in range(5)]

    assert statuses == [401, 401, 401, 401, 429]


# --- shared by every worker through Redis ------------------------------------------------------

REDIS_DB_URL = "redis://127.0.0.1:6379/11"  # this test's own database number on the CI Redis

# The other app instance: a separate process (its own interpreter, its own Limiter), so nothing
# but the storage can carry the count from it to this one.
OTHER_WORKER = """
import json, sys, tempfile
from pathlib import Path
from tests.conftest import app_on_fresh_database, drop_migrated_template

prefix, attempts = sys.argv[1], json.loads(sys.argv[2])
try:
    with app_on_fresh_database(
        Path(tempfile.mkdtemp()), LOGIN_RATE_LIMIT="3/minute", RATELIMIT_KEY_PREFIX=prefix
    ) as app:
        client = app.test_client()
        print(json.dumps([client.post("/api/v1/auth/token", json=a).status_code for a in attempts]))
finally:
    drop_migrated_template()  # no session fixture runs in this process
"""
STAFF_ATTEMPT = {"username": "nobody", "password": "wrong-password"}
PIN_ATTEMPT = {"phone": "13900000031", "pin": "000000"}


def attempts_in_another_process(prefix: str, attempts: list[dict], env: dict) -> list[int]:
    done = subprocess.run(
        [sys.executable, "-c", OTHER_WORKER, prefix, json.dumps(attempts)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own; only its keys are removed afterwards."""
    redis_url(REDIS_DB_URL)
    prefix = f"pointsmart-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    connection = redis.Redis.from_url(REDIS_DB_URL)
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)
    connection.close()


@pytest.mark.parametrize(
    ("redis_url", "shared"), [(REDIS_DB_URL, True), (None, False)], ids=["redis", "memory"]
)
def test_with_redis_the_sign_in_limit_holds_across_app_instances(
    tmp_path, monkeypatch, redis_prefix, redis_url, shared
):
    """Two staff passwords and one villager PIN in another worker, then this worker's next
    attempt: with ``REDIS_URL`` the fourth attempt overall is refused; with per-worker memory
    (the control) it is not."""
    if redis_url:
        monkeypatch.setenv("REDIS_URL", redis_url)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    elsewhere = attempts_in_another_process(
        redis_prefix, [STAFF_ATTEMPT, STAFF_ATTEMPT, PIN_ATTEMPT], dict(os.environ)
    )
    with app_on_fresh_database(
        tmp_path, LOGIN_RATE_LIMIT="3/minute", RATELIMIT_KEY_PREFIX=redis_prefix
    ) as app:
        assert app.config["RATELIMIT_STORAGE_URI"] == (redis_url or "memory://")
        client = app.test_client()
        here = [client.post("/api/v1/auth/token", json=PIN_ATTEMPT) for _ in range(2)]

    assert elsewhere == [401, 401, 401]
    if shared:
        assert [r.status_code for r in here] == [429, 429]
        assert here[0].get_json()["code"] == "rate_limited"
    else:
        assert [r.status_code for r in here] == [401, 401]


def test_every_view_the_limiter_limits_is_marked_so_its_requests_are_checked(app):
    """Only marked views reach the limiter (``extensions.init_limiter`` leaves out its
    app-wide hook): a default or application limit would silently not be enforced, and a
    view limited with ``limiter.limit`` directly would miss its headers."""
    from flask_limiter.util import get_qualified_name

    from pointsmart.extensions import RATE_LIMITED, limiter

    with app.app_context():
        limited = {
            endpoint
            for endpoint, view in app.view_functions.items()
            if limiter.limit_manager.decorated_limits(get_qualified_name(view))
        }
    marked = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, RATE_LIMITED, False)
    }

    assert limited == marked
    assert {
        "auth.issue_token",
        "households.card_holder",
        "villagers.login",
        "card.card_page",
    } <= marked
    assert limiter.limit_manager.default_limits == []
    assert limiter.limit_manager.application_limits == []


def test_an_unlimited_request_never_reaches_the_limiter_and_a_limited_one_gets_its_headers(
    app, client
):
    from pointsmart.extensions import limiter

    assert limiter._check_request_limit not in app.before_request_funcs[None]

    plain = client.get("/board/1")
    limited = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"})

    assert not any(name.startswith("X-RateLimit") for name, _value in plain.headers)
    assert limited.status_code == 401
    assert limited.headers["X-RateLimit-Limit"] == "10000"


def test_a_burst_of_wrong_passwords_at_several_workers_is_held_to_the_limit(
    tmp_path, monkeypatch, redis_prefix
):
    """The issue's attack: 40 wrong passwords from one address at once against gunicorn's
    workers, limit 10 a minute. With per-worker memory 35 were checked; with the shared store
    at most the limit plus one in flight per worker are."""
    from tests.load.server import Server, request

    monkeypatch.setenv("TEST_REDIS_URL", REDIS_DB_URL)
    monkeypatch.setenv("RATELIMIT_KEY_PREFIX", redis_prefix)
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "10/minute")
    with app_on_fresh_database(tmp_path) as app:
        server = Server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "gunicorn.log")
        server.start()
        try:
            with ThreadPoolExecutor(max_workers=20) as pool:
                answers = list(
                    pool.map(
                        lambda n: request(
                            server.address, "POST", "/api/v1/auth/token",
                            {"username": f"guess-{n}", "password": "wrong-password"},
                        )[0],
                        range(40),
                    )
                )  # fmt: skip
        finally:
            server.stop()

    checked = answers.count(401)
    assert answers.count(429) + checked == 40
    assert 10 <= checked <= 10 + server.workers


@pytest.mark.app_config(LOGIN_RATE_LIMIT="3/minute", WTF_CSRF_ENABLED=False)
def test_the_pages_and_the_api_share_one_sign_in_limit_per_address(fresh_app):
    """Each way in had a limit of its own: 10 wrong staff passwords a minute on the page and
    10 more through the API (and 10 PINs on /me/login), so a guesser spreading one password
    over many accounts got twice or three times the limit by changing doors."""
    client = fresh_app.test_client()
    wrong = {"username": "nobody", "password": "wrong-password"}

    statuses = [
        client.post("/api/v1/auth/token", json=wrong).status_code,
        client.post("/login", data=wrong).status_code,
        client.post("/me/login", data={"phone": "13900000000", "pin": "123456"}).status_code,
        client.post("/login", data=wrong).status_code,
        client.post("/api/v1/auth/token", json=wrong).status_code,
        client.post("/me/login", data={"phone": "13900000000", "pin": "123456"}).status_code,
    ]

    assert statuses == [401, 422, 422, 429, 429, 429]


@pytest.mark.app_config(CARD_PAGE_RATE_LIMIT="3/minute")
def test_the_card_page_and_the_card_api_share_one_limit_per_address(fresh_app):
    """Guessing short codes through the card page and the API at once was twice as fast."""
    client = fresh_app.test_client()
    code = "ABCD-EFGH-J"

    statuses = [
        client.get(f"/c/{code}").status_code,
        client.get(f"/api/v1/cards/{code}").status_code,
        client.get(f"/c/{code}").status_code,
        client.get(f"/api/v1/cards/{code}").status_code,
        client.get(f"/c/{code}").status_code,
    ]

    assert 429 not in statuses[:3]
    assert statuses[3:] == [429, 429]
