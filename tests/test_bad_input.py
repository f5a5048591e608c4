"""Input no schema should see is refused at the door with a 4xx, never a 500."""

import pytest

NESTED = "[" * 20_000 + "]" * 20_000
HUGE_NUMBER = '{"username": "a", "password": ' + "9" * 5000 + "}"


@pytest.mark.parametrize("body", [NESTED, HUGE_NUMBER, '{"a": 1', "\xff\xfe"])
def test_malformed_json_is_a_400(client, body):
    response = client.post(
        "/api/v1/auth/token",
        data=body.encode("utf-8", "surrogatepass"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "malformed_json"


def test_a_get_with_a_json_content_type_and_no_body_is_answered(api, make):
    village = make.village()
    admin = make.staff("admin", village)

    response = api.client.get(
        f"/api/v1/villages/{village.id}/leaderboard?period=2026-01",
        content_type="application/json",
        headers=admin.auth,
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["period"] == "2026-01"


def test_a_write_with_a_json_content_type_and_no_body_is_read_as_no_body(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    household = make.household(village)

    # No Content-Length at all, as Flask's test client sends an empty body.
    response = api.client.post(
        f"/api/v1/households/{household.id}/card",
        content_type="application/json",
        headers=admin.auth,
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == 1


@pytest.mark.parametrize("escaped", ["ad\\u0000min", "\\ud800"])
def test_nul_and_lone_surrogates_in_a_body_are_refused(client, escaped):
    payload = '{"username": "' + escaped + '", "password": "x"}'
    response = client.post("/api/v1/auth/token", data=payload, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_failed"


def test_nul_in_a_query_string_is_refused(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    refused = api.get(f"/villages/{village.id}/households?q=a%00b", as_=admin, expect=422)
    assert "request" in refused["errors"]


def test_nul_in_a_form_is_refused(client):
    response = client.post("/login", data={"username": "a\u0000b", "password": "x"})
    assert response.status_code in (400, 422)
    assert response.status_code < 500
