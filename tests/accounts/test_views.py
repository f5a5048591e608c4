"""Staff sign in and out on the web: a fresh server-side session each time, CSRF on the form."""

import re

import pytest

from pointsmart.accounts.auth import SESSION_TOKEN_KEY
from pointsmart.accounts.models import RoleAssignment
from pointsmart.extensions import db
from pointsmart.regions import service as regions
from tests.factories import ROOT


@pytest.fixture
def csrf_client(app, db_session):
    """A client with CSRF checks on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True


def csrf_token_from(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username, password, **extra):
    token = csrf_token_from(client)
    return client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password, **extra},
    )


def test_the_sign_in_page_is_in_chinese(csrf_client):
    html = csrf_client.get("/login").get_data(as_text=True)
    assert "登录" in html
    assert 'name="csrf_token"' in html


def test_a_staff_member_signs_in_and_out(csrf_client, make):
    village = make.village()
    leader = make.staff("leader", village, password="leader-pass-1")

    signed_in = sign_in(csrf_client, leader.username, "leader-pass-1", next="/login")
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/login"
    with csrf_client.session_transaction() as session:
        first_token = session[SESSION_TOKEN_KEY]

    sign_in(csrf_client, leader.username, "leader-pass-1")
    with csrf_client.session_transaction() as session:
        assert session[SESSION_TOKEN_KEY] != first_token  # a new session id at each sign-in

    out = csrf_client.post("/logout", data={"csrf_token": csrf_token_from(csrf_client)})
    assert out.status_code == 302
    with csrf_client.session_transaction() as session:
        assert SESSION_TOKEN_KEY not in session


def test_a_signed_out_session_token_stops_working(app, csrf_client, make):
    from pointsmart.accounts.service import principal_for_token

    village = make.village()
    leader = make.staff("leader", village, password="leader-pass-1")
    sign_in(csrf_client, leader.username, "leader-pass-1")
    with csrf_client.session_transaction() as session:
        token = session[SESSION_TOKEN_KEY]
    assert principal_for_token(token) is not None

    csrf_client.post("/logout", data={"csrf_token": csrf_token_from(csrf_client)})

    assert principal_for_token(token) is None


def test_a_wrong_password_shows_a_chinese_error_and_keeps_no_session(csrf_client, make):
    leader = make.staff("leader", make.village(), password="leader-pass-1")

    response = sign_in(csrf_client, leader.username, "not-it")

    assert response.status_code == 422
    assert "用户名或密码错误" in response.get_data(as_text=True)
    with csrf_client.session_transaction() as session:
        assert SESSION_TOKEN_KEY not in session


def test_an_empty_form_names_each_missing_field(csrf_client):
    response = sign_in(csrf_client, "", "")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="username-error"' in html
    assert 'id="password-error"' in html


def test_a_form_without_its_csrf_token_is_refused(csrf_client, make):
    leader = make.staff("leader", make.village(), password="leader-pass-1")

    response = csrf_client.post(
        "/login", data={"username": leader.username, "password": "leader-pass-1"}
    )

    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_sign_in_never_redirects_to_another_site(csrf_client, make, target):
    leader = make.staff("leader", make.village(), password="leader-pass-1")

    response = sign_in(csrf_client, leader.username, "leader-pass-1", next=target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/leader"  # where a leader goes unasked


def test_each_lands_on_the_pages_of_their_one_kind_of_work(csrf_client, make):
    village = make.village()
    shop = make.shop(village)
    keeper = make.staff("shopkeeper", village, shop, password="shop-pass-1")
    leader = make.staff("leader", village, password="leader-pass-1")
    admin = make.staff("admin", village, password="admin-pass-1")

    kept = sign_in(csrf_client, keeper.username, "shop-pass-1")
    asked = sign_in(csrf_client, keeper.username, "shop-pass-1", next="/me")
    led = sign_in(csrf_client, leader.username, "leader-pass-1")
    ran = sign_in(csrf_client, admin.username, "admin-pass-1")

    assert kept.headers["Location"] == "/counter"  # which opens the shop's own counter
    assert asked.headers["Location"] == "/me"  # a page asked for still wins
    assert led.headers["Location"] == "/leader"  # which opens the leader's own village
    assert ran.headers["Location"] == "/admin"


def test_township_staff_land_on_their_pages(csrf_client, make):
    county = regions.create_region(ROOT, name="安平县", level="county", parent_id=None)
    township = regions.create_region(ROOT, name="城关镇", level="township", parent_id=county.id)
    staff = make.staff("township_admin", region=township, password="town-pass-1")

    response = sign_in(csrf_client, staff.username, "town-pass-1")

    assert response.headers["Location"] == "/regions"


def test_someone_with_several_kinds_of_work_lands_on_the_home_page(csrf_client, make):
    village = make.village()
    both = make.staff("leader", village, password="both-pass-1")
    db.session.add(
        RoleAssignment(
            user_id=both.user_id,
            role="shopkeeper",
            village_id=village.id,
            shop_id=make.shop(village).id,
        )
    )
    db.session.commit()

    response = sign_in(csrf_client, both.username, "both-pass-1")

    assert response.headers["Location"] == "/"
