"""The one error envelope, and the OpenAPI document that describes the API."""

from dataclasses import dataclass

import pytest

from tests.factories import Staff

PROBLEM_JSON = "application/problem+json"


@dataclass
class World:
    village_id: int
    household_id: int
    transfer_id: int
    reversed_id: int
    reversal_id: int
    admin: Staff
    leader: Staff
    shopkeeper: Staff
    stranger: Staff


@pytest.fixture
def world(make) -> World:
    from pointsmart.ledger import service as ledger

    village, other = make.village(), make.village()
    household = make.household(village)
    transfer = make.award(household, 10)
    reversed_one = make.award(household, 5)
    reversal = ledger.reverse(reversed_one.id, reason="录错了")
    return World(
        village_id=village.id,
        household_id=household.id,
        transfer_id=transfer.id,
        reversed_id=reversed_one.id,
        reversal_id=reversal.id,
        admin=make.staff("admin", village),
        leader=make.staff("leader", village),
        shopkeeper=make.staff("shopkeeper", village, make.shop(village)),
        stranger=make.staff("admin", other),
    )


def award(world: World, **change) -> dict:
    body = {"household_id": world.household_id, "kind": "award", "points": 1, "category": "red"}
    return {**body, **change}


# (name, who, method, path, body, status, code)
REFUSALS = [
    ("no token", None, "GET", "/villages/{v}", None, 401, "unauthorized"),
    ("other village", "stranger", "GET", "/villages/{v}", None, 403, "forbidden"),
    ("leader creates a village", "leader", "POST", "/villages", {"name": "新村"}, 403, "forbidden"),
    ("leader creates a grid", "leader", "POST", "/villages/{v}/grids", {"name": "一组"}, 403,
     "forbidden"),
    ("shopkeeper awards", "shopkeeper", "POST", "/transfers", "award", 403, "forbidden"),
    ("leader reverses", "leader", "POST", "/transfers/{t}/reversal", {"reason": "x"}, 403,
     "forbidden"),
    ("unknown village", "admin", "GET", "/villages/999999", None, 404, "not_found"),
    ("unknown household", "admin", "GET", "/households/999999", None, 404, "not_found"),
    ("unknown transfer", "admin", "POST", "/transfers/999999/reversal", {"reason": "x"}, 404,
     "not_found"),
    ("unknown route", "admin", "GET", "/no/such/thing", None, 404, "not_found"),
    ("wrong method", "admin", "DELETE", "/villages/{v}", None, 405, "method_not_allowed"),
    ("validation", "admin", "POST", "/transfers", {"points": 0}, 422, "validation_failed"),
    ("reversed twice", "admin", "POST", "/transfers/{u}/reversal", {"reason": "x"}, 409,
     "already_reversed"),
    ("reversing a reversal", "admin", "POST", "/transfers/{r}/reversal", {"reason": "x"}, 409,
     "cannot_reverse_reversal"),
    ("no idempotency key", "admin", "POST", "/transfers", "award without key", 400,
     "idempotency_key_required"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "status", "code"),
    [refusal[1:] for refusal in REFUSALS],
    ids=[refusal[0] for refusal in REFUSALS],
)
def test_every_refusal_is_problem_json_with_status_code_and_title(
    api, world, who, method, path, body, status, code
):
    ids = {"v": world.village_id, "t": world.transfer_id, "u": world.reversed_id}
    path = path.format(r=world.reversal_id, **ids)
    key = body != "award without key"
    if body in ("award", "award without key"):
        body = award(world)

    response = api.request(
        method, path, json=body, as_=getattr(world, who) if who else None, key=key, expect=status
    )

    assert response.mimetype == PROBLEM_JSON
    problem = response.get_json()
    assert problem["status"] == status
    assert problem["code"] == code
    assert isinstance(problem["title"], str)
    assert problem["title"]
    assert set(problem) <= {"status", "code", "title", "detail", "errors"}


def test_a_validation_problem_maps_each_field_to_its_messages(api, world):
    problem = api.post(
        "/transfers",
        json=award(world, points=-1, kind="gift", category="bribe"),
        as_=world.admin,
        key=True,
        expect=422,
    )

    assert set(problem["errors"]) == {"points", "kind", "category"}
    for messages in problem["errors"].values():
        assert isinstance(messages, list)
        assert all(isinstance(message, str) and message for message in messages)


def test_a_wrong_method_names_the_allowed_ones(api, world):
    response = api.request("DELETE", f"/villages/{world.village_id}", as_=world.admin, expect=405)

    assert set(response.headers["Allow"].split(", ")) >= {"GET"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "POST"])
@pytest.mark.parametrize("product", ["0", "2147483648"])
def test_an_id_no_route_takes_is_not_found_whatever_the_method(api, world, method, product):
    """The photo's address has a route for each of three methods: none takes an id that no
    row can have, so the answer is 404, not a 405 that offers the others."""
    response = api.request(method, f"/products/{product}/photo", as_=world.admin, expect=404)

    assert response.get_json()["code"] == "not_found"
    assert "Allow" not in response.headers


@pytest.mark.parametrize(
    "path",
    [
        "/auth/token",
        "/villages",
        "/villages/{v}/grids",
        "/villages/{v}/households",
        "/transfers",
        "/transfers/{t}/reversal",
    ],
)
@pytest.mark.parametrize("text", ["{", '{"name": }', "[1, 2", "\x00", "{'single': 'quotes'}"])
def test_malformed_json_is_a_bad_request_on_every_post(api, world, path, text):
    path = path.format(v=world.village_id, t=world.transfer_id)

    problem = api.post(
        path,
        data=text,
        content_type="application/json",
        as_=world.admin,
        key=True,
        expect=400,
    )

    assert problem["code"] == "malformed_json"
    assert problem["status"] == 400


def test_a_json_body_that_is_not_an_object_is_a_validation_error(api, world):
    problem = api.post("/transfers", json=[award(world)], as_=world.admin, key=True, expect=422)

    assert problem["code"] == "validation_failed"


def test_pages_outside_the_api_do_not_answer_in_problem_json(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"


# --- OpenAPI ---------------------------------------------------------------------------------

DOCUMENTED = {
    "/api/v1/auth/token": {"post"},
    "/api/v1/villages": {"get", "post"},
    "/api/v1/villages/{village_id}": {"get"},
    "/api/v1/villages/{village_id}/grids": {"get", "post"},
    "/api/v1/villages/{village_id}/households": {"get", "post"},
    "/api/v1/households/{household_id}": {"get"},
    "/api/v1/households/{household_id}/transfers": {"get"},
    "/api/v1/transfers": {"post"},
    "/api/v1/transfers/{transfer_id}/reversal": {"post"},
    "/api/v1/villages/{village_id}/summary": {"get"},
    "/api/v1/villages/{village_id}/ledger/verify": {"get"},
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def refs_in(node):
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "$ref":
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)


def resolve(spec: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@pytest.fixture
def spec(api):
    return api.get("/openapi.json")


def test_the_openapi_document_lists_every_endpoint(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "pointsmart"
    assert spec["info"]["version"]
    documented = {
        path: {method for method in operations if method in HTTP_METHODS}
        for path, operations in spec["paths"].items()
    }
    for path, methods in DOCUMENTED.items():
        assert methods <= documented.get(path, set()), path


def test_the_openapi_document_is_well_formed(spec):
    for ref in set(refs_in(spec)):
        assert resolve(spec, ref) is not None, ref
    for path, operations in spec["paths"].items():
        placeholders = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            assert operation["responses"], (method, path)
            parameters = operation.get("parameters", []) + operations.get("parameters", [])
            in_path = {p["name"] for p in parameters if p["in"] == "path"}
            assert in_path == placeholders, (method, path)
            for status in operation["responses"]:
                assert status == "default" or 100 <= int(status) < 600


def test_posts_that_post_transfers_document_their_idempotency_key(spec):
    for path in ("/api/v1/transfers", "/api/v1/transfers/{transfer_id}/reversal"):
        parameters = spec["paths"][path]["post"]["parameters"]
        key = next(p for p in parameters if p["name"] == "Idempotency-Key")
        assert key["in"] == "header"
        assert key["required"] is True
        assert key["schema"]["maxLength"] == 64


def test_the_api_says_how_to_authenticate(spec):
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert {"bearer": []} in spec["security"]
    assert spec["paths"]["/api/v1/auth/token"]["post"]["security"] == []
