"""A thin JSON client for API tests: every call states the status it expects."""

from __future__ import annotations

import itertools
from typing import Any

from pointsmart.extensions import db

PREFIX = "/api/v1"
_keys = itertools.count(1)


class ApiClient:
    def __init__(self, client):
        self.client = client

    def request(
        self,
        method: str,
        path: str,
        *,
        expect: int,
        json: Any = None,
        as_: Any = None,
        key: str | bool | None = None,
        headers: dict[str, str] | None = None,
        **kwargs,
    ):
        """Send a request and assert its status. ``as_`` is a Staff (or None: anonymous).

        ``key``: an Idempotency-Key; True makes a fresh one, None sends none.
        """
        all_headers = dict(headers or {})
        if as_ is not None:
            all_headers.update(as_.auth)
        if key is True:
            key = f"test-key-{next(_keys)}"
        if key:
            all_headers["Idempotency-Key"] = key
        # What the test built is in place before the request, as it would be in real life:
        # a refused request rolls back only its own work. (In the test session a commit
        # releases a savepoint; the test's outer transaction is still rolled back at its end.)
        db.session.commit()
        response = self.client.open(
            PREFIX + path, method=method, json=json, headers=all_headers, **kwargs
        )
        assert response.status_code == expect, (
            f"{method} {path}: expected {expect}, got {response.status_code}: "
            f"{response.get_data(as_text=True)[:500]}"
        )
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json", response.mimetype
        return response

    def get(self, path, *, expect=200, **kwargs):
        return self.request("GET", path, expect=expect, **kwargs).get_json()

    def post(self, path, *, expect=201, **kwargs):
        return self.request("POST", path, expect=expect, **kwargs).get_json()
