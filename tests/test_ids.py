"""Ids beyond what the database can hold are refused before they reach it (never a 500)."""

import pytest

HUGE = 2**40


@pytest.mark.parametrize(
    "path",
    [
        f"/villages/{HUGE}",
        f"/villages/{HUGE}/grids",
        f"/households/{HUGE}",
        f"/households/{HUGE}/transfers",
        f"/villages/{HUGE}/summary",
        f"/villages/{HUGE}/ledger/verify",
        "/households/0",
    ],
)
def test_a_path_id_too_large_for_the_database_is_not_found(api, make, path):
    admin = make.staff("admin")
    assert api.get(path, as_=admin, expect=404)["code"] == "not_found"


def test_a_reversal_of_a_huge_transfer_id_is_not_found(api, make):
    admin = make.staff("admin")
    api.post(f"/transfers/{HUGE}/reversal", as_=admin, key=True, json={"reason": "x"}, expect=404)


def test_a_household_id_too_large_in_a_body_is_a_validation_error(api, make):
    admin = make.staff("admin")
    body = {"household_id": HUGE, "kind": "award", "points": 1, "category": "red"}
    refused = api.post("/transfers", as_=admin, key=True, json=body, expect=422)
    assert "household_id" in refused["errors"]


def test_the_openapi_document_describes_errors_as_problem_json(api):
    spec = api.get("/openapi.json")
    default = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(default) == ["application/problem+json"]
    problem = spec["components"]["schemas"]["Problem"]
    assert problem["properties"]["code"]["type"] == "string"
    assert problem["properties"]["status"]["type"] == "integer"
