"""Sign-in attempts are limited per client address."""

import pytest

from pointsmart.extensions import db
from tests.factories import Factories


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
