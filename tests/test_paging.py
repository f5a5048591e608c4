"""A list's ``after`` cursor stays within its key's range: a bigger number is a 422, never a
500 (PostgreSQL refuses to compare an INTEGER key with it). Found by the API fuzzing."""

import pytest

BEYOND_INTEGER = 2**31
BEYOND_BIGINT = 2**63


@pytest.fixture
def scene(make):
    village = make.village()
    household = make.household(village)
    make.award(household, 5)
    return village, household, make.staff("admin", village)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/villages/{v}/households",
        "/api/v1/villages/{v}/activities",
        "/api/v1/villages/{v}/board-entries",
        "/api/v1/villages/{v}/approvals",
    ],
)
def test_an_after_beyond_an_integer_key_is_refused(client, scene, path):
    village, _, admin = scene

    response = client.get(f"{path.format(v=village.id)}?after={BEYOND_INTEGER}", headers=admin.auth)

    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["code"] == "validation_failed"


def test_a_households_history_pages_by_bigint_transfer_ids(client, scene):
    _, household, admin = scene
    path = f"/api/v1/households/{household.id}/transfers"

    beyond_integer = client.get(f"{path}?after={BEYOND_INTEGER}", headers=admin.auth)
    beyond_bigint = client.get(f"{path}?after={BEYOND_BIGINT}", headers=admin.auth)

    assert beyond_integer.status_code == 200
    assert len(beyond_integer.get_json()["items"]) == 1
    assert beyond_bigint.status_code == 422
