"""Every API endpoint but the public ones authenticates first: anonymous callers get 401,
whatever they send. The public ones are exactly those the OpenAPI document marks public."""

import re

import pytest

from pointsmart.request_cycle import PUBLIC_API_ENDPOINTS


def api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def concrete(path: str) -> str:
    return re.sub(
        r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>",
        lambda m: "2026-01" if m[1] == "period" else "1",
        path,
    )


def test_every_private_endpoint_answers_401_to_anonymous_garbage(app, client):
    checked = 0
    for rule, method in api_routes(app):
        if rule.endpoint in PUBLIC_API_ENDPOINTS:
            continue
        response = client.open(
            concrete(rule.rule), method=method, data="{not json", content_type="application/json"
        )
        assert response.status_code == 401, (method, rule.rule, response.status_code)
        assert response.get_json()["code"] == "unauthorized"
        checked += 1
    assert checked > 40


def test_the_public_endpoints_are_the_ones_documented_as_public(app, api):
    spec = api.get("/openapi.json")
    documented_public = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and operation.get("security") == []:
                documented_public.add((method.upper(), path))
    enforced_public = set()
    for rule, method in api_routes(app):
        if rule.endpoint in PUBLIC_API_ENDPOINTS and rule.endpoint.split(".")[0] != "api-docs":
            path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
            enforced_public.add((method, path))
    assert enforced_public == documented_public


@pytest.mark.parametrize("path", ["/auth/token"])
def test_a_public_endpoint_still_validates_its_input(api, path):
    assert api.post(path, json={}, expect=422)["code"] == "validation_failed"
