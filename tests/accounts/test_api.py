"""Signing in, and what a request without a valid token gets."""

import datetime as dt
import hashlib
import secrets

import pytest

from pointsmart.accounts.models import ApiToken, User
from pointsmart.database import utcnow
from pointsmart.extensions import db


def stored_token(user_id: int, *, expires_in: dt.timedelta, revoked: bool = False) -> str:
    token = secrets.token_urlsafe(24)
    db.session.add(
        ApiToken(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            user_id=user_id,
            expires_at=utcnow() + expires_in,
            revoked_at=utcnow() if revoked else None,
        )
    )
    db.session.flush()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_staff_member_signs_in_and_the_token_opens_the_api(api, make):
    village = make.village()
    leader = make.staff("leader", village)

    answer = api.post(
        "/auth/token", json={"username": leader.username, "password": "correct-horse"}
    )

    assert answer["user"] == {
        "id": leader.user_id,
        "username": leader.username,
        "household_id": None,
        "roles": [{"role": "leader", "village_id": village.id, "shop_id": None}],
    }
    expires_at = dt.datetime.fromisoformat(answer["expires_at"])
    assert utcnow() + dt.timedelta(hours=11) < expires_at <= utcnow() + dt.timedelta(hours=12)
    villages = api.get("/villages", headers=bearer(answer["token"]))
    assert [v["id"] for v in villages["items"]] == [village.id]


def test_an_admin_of_every_village_is_told_so_at_sign_in(api, make):
    admin = make.staff("admin")

    answer = api.post("/auth/token", json={"username": admin.username, "password": "correct-horse"})

    assert answer["user"]["roles"] == [{"role": "admin", "village_id": None, "shop_id": None}]


def test_a_username_typed_in_full_width_signs_in_and_cannot_be_taken_twice(api, make):
    """A Chinese input method left in full-width mode types ｘｉａｏｌｉ for xiaoli: it signed
    in as no one, and could be given to a second user who looked the same in every list."""
    from pointsmart.accounts.service import create_user
    from pointsmart.errors import ValidationFailed

    create_user("xiaoli", "correct-horse", role="admin", village_id=make.village().id)

    typed = {"username": "ｘｉａｏｌｉ ", "password": "correct-horse"}
    answer = api.post("/auth/token", json=typed)

    assert answer["user"]["username"] == "xiaoli"
    with pytest.raises(ValidationFailed) as refused:
        create_user("ｘｉａｏｌｉ", "correct-horse", role="admin", village_id=make.village().id)
    assert list(refused.value.errors) == ["username"]


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(api, make):
    staff = make.staff("admin", make.village())

    wrong_password = api.post(
        "/auth/token", json={"username": staff.username, "password": "wrong-horse"}, expect=401
    )
    unknown_user = api.post(
        "/auth/token", json={"username": "nobody-here", "password": "correct-horse"}, expect=401
    )

    assert wrong_password == unknown_user
    assert (wrong_password["status"], wrong_password["code"]) == (401, "unauthorized")
    assert wrong_password["title"]
    assert wrong_password["detail"]


def test_a_disabled_user_cannot_sign_in_and_their_tokens_stop_working(api, make):
    village = make.village()
    staff = make.staff("admin", village)
    api.get(f"/villages/{village.id}", as_=staff)
    wrong_password = api.post(
        "/auth/token", json={"username": staff.username, "password": "wrong-horse"}, expect=401
    )
    db.session.get(User, staff.user_id).active = False
    db.session.flush()

    refused = api.post(
        "/auth/token", json={"username": staff.username, "password": "correct-horse"}, expect=401
    )

    assert refused == wrong_password
    assert api.get(f"/villages/{village.id}", as_=staff, expect=401)["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"username", "password"}),
        ({"username": "someone"}, {"password"}),
        ({"username": "", "password": "x"}, {"username"}),
        ({"username": "u" * 65, "password": "x"}, {"username"}),
        ({"username": "someone", "password": "x", "otp": "123456"}, {"otp"}),
    ],
)
def test_sign_in_validates_its_fields(api, body, fields):
    refused = api.post("/auth/token", json=body, expect=422)

    assert refused["code"] == "validation_failed"
    assert set(refused["errors"]) == fields


def test_sign_in_with_malformed_json_is_a_bad_request(api):
    refused = api.post(
        "/auth/token", data='{"username": ', content_type="application/json", expect=400
    )

    assert refused["code"] == "malformed_json"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer ",
        "Bearer not-a-token",
        "Basic dXNlcjpwYXNz",
        "Token {token}",
        "{token}",
    ],
)
def test_a_request_without_a_valid_bearer_token_is_unauthorized(api, make, authorization):
    village = make.village()
    staff = make.staff("admin", village)
    headers = {"Authorization": authorization.format(token=staff.token)} if authorization else {}

    refused = api.get(f"/villages/{village.id}", headers=headers, expect=401)

    assert refused["code"] == "unauthorized"
    assert refused["status"] == 401
    assert refused["title"]


def test_an_expired_token_is_unauthorized(api, make):
    village = make.village()
    staff = make.staff("admin", village)
    expired = stored_token(staff.user_id, expires_in=dt.timedelta(seconds=-1))
    fresh = stored_token(staff.user_id, expires_in=dt.timedelta(minutes=5))

    assert api.get(f"/villages/{village.id}", headers=bearer(expired), expect=401)["code"] == (
        "unauthorized"
    )
    assert api.get(f"/villages/{village.id}", headers=bearer(fresh))["id"] == village.id


def test_a_revoked_token_is_unauthorized(api, make):
    village = make.village()
    staff = make.staff("admin", village)
    revoked = stored_token(staff.user_id, expires_in=dt.timedelta(hours=1), revoked=True)

    refused = api.get(f"/villages/{village.id}", headers=bearer(revoked), expect=401)

    assert refused["code"] == "unauthorized"


def test_every_endpoint_needs_a_token(api, make):
    village = make.village()
    household = make.household(village)
    transfer = make.award(household, 5)
    calls = [
        ("GET", "/villages", None),
        ("POST", "/villages", {"name": "新村"}),
        ("GET", f"/villages/{village.id}", None),
        ("GET", f"/villages/{village.id}/grids", None),
        ("POST", f"/villages/{village.id}/grids", {"name": "一组"}),
        ("GET", f"/villages/{village.id}/households", None),
        ("POST", f"/villages/{village.id}/households", {"number": "9", "head_name": "张三"}),
        ("GET", f"/households/{household.id}", None),
        ("GET", f"/households/{household.id}/transfers", None),
        (
            "POST",
            "/transfers",
            {"household_id": household.id, "kind": "award", "points": 1, "category": "red"},
        ),
        ("POST", f"/transfers/{transfer.id}/reversal", {"reason": "录错了"}),
        ("GET", f"/villages/{village.id}/summary", None),
        ("GET", f"/villages/{village.id}/ledger/verify", None),
    ]

    for method, path, body in calls:
        refused = api.request(method, path, json=body, key=True, expect=401).get_json()
        assert refused["code"] == "unauthorized", path

    assert (
        api.get(f"/villages/{village.id}/ledger/verify", as_=make.staff("admin"))[
            "transfers_checked"
        ]
        == 1
    )
