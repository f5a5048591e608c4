"""Sessions: a sign-in starts a new one and ends what the cookie held; signing out ends it; a
password or PIN change ends every other session and token of that person or household.

A staff web session is an ``ApiToken`` row named from the signed session cookie; so is a
villager's. "Ended" therefore means: the token is revoked, and a browser still holding the old
cookie is treated as signed out.
"""

from __future__ import annotations

import pytest
from flask import request

from pointsmart.accounts.auth import SESSION_TOKEN_KEY, VILLAGER_TOKEN_KEY
from pointsmart.accounts.service import principal_for_token
from pointsmart.extensions import db
from tests.counter.web import hidden_fields
from tests.security.seed import give_pin

PASSWORD = "correct-horse"
PHONE, PIN = "13900000011", "246810"


def csrf(client, page: str) -> str:
    return hidden_fields(client.get(page).get_data(as_text=True))["csrf_token"]


def sign_in_page(client, username: str, password: str = PASSWORD):
    db.session.commit()
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf(client, "/login")},
    )


def villager_sign_in_page(client, phone: str = PHONE, pin: str = PIN):
    db.session.commit()
    return client.post(
        "/me/login", data={"phone": phone, "pin": pin, "csrf_token": csrf(client, "/me/login")}
    )


def cookie_token(client, key: str = SESSION_TOKEN_KEY) -> str | None:
    with client.session_transaction() as session:
        return session.get(key)


def client_with(app, token: str, key: str = SESSION_TOKEN_KEY):
    """Another browser that holds a copy of a session cookie naming ``token``."""
    client = app.test_client()
    with client.session_transaction() as session:
        session[key] = token
    return client


def is_signed_in(client, page: str = "/account/password") -> bool:
    db.session.commit()
    response = client.get(page)
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


@pytest.fixture
def staff(make):
    village = make.village()
    return make.staff("leader", village, password=PASSWORD)


@pytest.fixture
def household(make):
    household = make.household(make.village())
    give_pin(household, PHONE)
    return household


def test_a_sign_in_issues_a_new_session_and_ends_the_one_the_cookie_held(app, client, staff):
    assert sign_in_page(client, staff.username).status_code == 302
    first = cookie_token(client)
    assert sign_in_page(client, staff.username).status_code == 302
    second = cookie_token(client)

    assert first
    assert second != first
    assert principal_for_token(first) is None
    assert principal_for_token(second).user_id == staff.user_id
    assert not is_signed_in(client_with(app, first))
    assert is_signed_in(client)


def test_a_session_planted_before_the_sign_in_is_worthless_after_it(app, client, make, staff):
    # An attacker signs in as themselves and gets the victim's browser to carry that cookie.
    attacker = make.staff("leader", make.village(), password=PASSWORD)
    planted = client_with(app, "unused")
    assert sign_in_page(planted, attacker.username).status_code == 302
    planted_token = cookie_token(planted)

    assert sign_in_page(planted, staff.username).status_code == 302

    assert principal_for_token(planted_token) is None
    assert principal_for_token(cookie_token(planted)).user_id == staff.user_id


def test_a_villager_sign_in_ends_the_session_the_cookie_held(app, client, household):
    assert villager_sign_in_page(client).status_code == 302
    first = cookie_token(client, VILLAGER_TOKEN_KEY)
    assert villager_sign_in_page(client).status_code == 302
    second = cookie_token(client, VILLAGER_TOKEN_KEY)

    assert first != second
    assert principal_for_token(first) is None
    assert not is_signed_in(client_with(app, first, VILLAGER_TOKEN_KEY), "/me")
    assert is_signed_in(client, "/me")


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(app, client, staff):
    sign_in_page(client, staff.username)
    token = cookie_token(client)
    copy = client_with(app, token)
    assert is_signed_in(copy)

    signed_out = client.post("/logout", data={"csrf_token": csrf(client, "/account/password")})

    assert signed_out.status_code == 302
    assert principal_for_token(token) is None
    assert not is_signed_in(copy)
    assert not is_signed_in(client)


def test_a_villager_signing_out_ends_the_session(app, client, household):
    villager_sign_in_page(client)
    token = cookie_token(client, VILLAGER_TOKEN_KEY)

    client.post("/me/logout", data={"csrf_token": csrf(client, "/me")})

    assert principal_for_token(token) is None
    assert not is_signed_in(client_with(app, token, VILLAGER_TOKEN_KEY), "/me")


def change_password(client, current, new, again=None):
    db.session.commit()
    return client.post(
        "/account/password",
        data={
            "password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
            "csrf_token": csrf(client, "/account/password"),
        },
    )


def test_a_password_change_ends_every_other_session_and_token(app, client, api, staff):
    sign_in_page(client, staff.username)
    here = cookie_token(client)
    elsewhere = app.test_client()
    sign_in_page(elsewhere, staff.username)
    api_token = api.post("/auth/token", json={"username": staff.username, "password": PASSWORD})

    changed = change_password(client, PASSWORD, "a-brand-new-password")

    assert changed.status_code == 303
    assert is_signed_in(client)
    assert principal_for_token(here).user_id == staff.user_id
    assert not is_signed_in(elsewhere)
    assert principal_for_token(api_token["token"]) is None
    api.get("/villages", headers={"Authorization": f"Bearer {staff.token}"}, expect=401)
    api.post("/auth/token", json={"username": staff.username, "password": PASSWORD}, expect=401)
    api.post("/auth/token", json={"username": staff.username, "password": "a-brand-new-password"})


@pytest.mark.parametrize(
    ("current", "new", "again", "field", "message"),
    [
        ("wrong-password", "a-brand-new-password", None, "password", "当前密码不对"),
        (PASSWORD, "short", None, "new_password", "至少"),
        (PASSWORD, PASSWORD, None, "new_password", "不同"),
        (PASSWORD, "a-brand-new-password", "another-new-one", "new_password_again", "不一致"),
    ],
)
def test_a_refused_password_change_says_why_in_chinese_and_changes_nothing(
    client, staff, current, new, again, field, message
):
    sign_in_page(client, staff.username)
    other_session = staff.token

    refused = change_password(client, current, new, again)

    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="{field}-error"' in page
    assert message in page
    assert principal_for_token(other_session) is not None


def test_the_password_page_is_for_signed_in_staff_only(client, household):
    assert client.get("/account/password").status_code == 302
    villager_sign_in_page(client)
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def villager_token(api) -> str:
    return api.post("/auth/token", json={"phone": PHONE, "pin": PIN})["token"]


def test_a_pin_change_ends_the_households_other_tokens_and_sessions(app, client, api, household):
    keeping, other = villager_token(api), villager_token(api)
    villager_sign_in_page(client)
    web_session = cookie_token(client, VILLAGER_TOKEN_KEY)

    api.request(
        "POST",
        "/auth/pin",
        json={"pin": PIN, "new_pin": "135790"},
        headers={"Authorization": f"Bearer {keeping}"},
        expect=204,
    )

    api.get(f"/households/{household.id}", headers={"Authorization": f"Bearer {keeping}"})
    api.get(f"/households/{household.id}", headers={"Authorization": f"Bearer {other}"}, expect=401)
    assert principal_for_token(web_session) is None
    assert not is_signed_in(client, "/me")


def test_a_pin_change_on_the_page_keeps_that_session_and_ends_the_others(client, api, household):
    token = villager_token(api)
    villager_sign_in_page(client)
    db.session.commit()

    changed = client.post(
        "/me/pin",
        data={
            "pin": PIN,
            "new_pin": "135790",
            "new_pin_again": "135790",
            "csrf_token": csrf(client, "/me/pin"),
        },
    )

    assert changed.status_code == 302
    assert is_signed_in(client, "/me")
    assert principal_for_token(token) is None


def test_a_request_without_the_cookie_starts_an_empty_session_and_sets_none(app, client):
    """``CookieSessionInterface`` opens no cookie that is not there; a forged one is no
    session either (a real one is read: the sign-in tests above)."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers

    interface = app.session_interface
    with app.test_request_context("/", headers={"Cookie": "session=forged.value.sig"}):
        assert dict(interface.open_session(app, request)) == {}
    with app.test_request_context("/"):
        session = interface.open_session(app, request)
        assert dict(session) == {}
        assert not session.modified


def session_cookie_sent(response) -> bool:
    return any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))


def test_a_background_fetch_never_puts_back_an_older_session(app, client, staff):
    # A script's fetch that began before a form changed the session must not answer with the
    # session as it was: it sends the cookie only when it changed the session itself.
    assert sign_in_page(client, staff.username).status_code == 302
    client.get("/account/password")  # the page's form puts its CSRF token in the session

    fetched = client.get("/account/password", headers={"Sec-Fetch-Mode": "cors"})
    loaded = client.get("/account/password", headers={"Sec-Fetch-Mode": "navigate"})
    unsaid = client.get("/account/password")

    assert fetched.status_code == loaded.status_code == unsaid.status_code == 200
    assert not session_cookie_sent(fetched)
    assert session_cookie_sent(loaded)  # a page load keeps the session alive
    assert session_cookie_sent(unsaid)  # a client that does not say is treated as a page load


def test_wrong_current_passwords_count_like_wrong_sign_ins(client, api, staff):
    """A session left open is no way around the account's waits: a wrong current password
    when changing it counts as a wrong password at sign-in."""
    sign_in_page(client, staff.username)

    wrong = [change_password(client, f"guess-{n}", "a-brand-new-password") for n in range(6)]
    waiting = api.post(
        "/auth/token", json={"username": staff.username, "password": PASSWORD}, expect=429
    )

    assert [answer.status_code for answer in wrong] == [422] * 6
    assert "wait" in wrong[5].get_data(as_text=True) or "分钟" in wrong[5].get_data(as_text=True)
    assert waiting["code"] == "sign_in_waiting"
