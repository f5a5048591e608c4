"""A staff account waits longer and longer after wrong passwords in a row, from any address;
a right password or an admin's reset starts the count again."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from pointsmart.accounts import sign_in_delays
from pointsmart.accounts.models import User
from pointsmart.admin.staff import reset_password
from pointsmart.extensions import db
from tests.factories import ROOT, Factories

RIGHT = "right-password-1"


def test_five_wrong_passwords_are_free_then_each_one_doubles_the_wait():
    waits = [sign_in_delays.wait_minutes(n) for n in range(13)]
    assert waits == [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


class Clock:
    """The time the sign-in delays go by, moved by the test."""

    def __init__(self, monkeypatch):
        self.now = dt.datetime.now(dt.UTC)
        monkeypatch.setattr(sign_in_delays, "utcnow", lambda: self.now)

    def later(self, **delta):
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clerk(fresh_app):
    with fresh_app.app_context():
        staff = Factories().staff("admin", Factories().village(), password=RIGHT)
        db.session.commit()
        return staff


def attempt(app, username, password, address):
    return app.test_client().post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def state(app, user_id):
    with app.app_context():
        row = db.session.execute(
            sa.select(User.failed_sign_ins, User.sign_in_locked_until).where(User.id == user_id)
        ).one()
        db.session.rollback()
        return row


def test_guesses_from_many_addresses_make_the_account_wait(fresh_app, clerk, monkeypatch):
    clock = Clock(monkeypatch)
    name = clerk.username

    guesses = [attempt(fresh_app, name, f"guess-{n}", f"10.0.0.{n}").status_code for n in range(5)]
    waiting = attempt(fresh_app, name, RIGHT, "10.0.1.1")  # even the right password waits

    assert guesses == [401] * 5
    assert waiting.status_code == 429
    body = waiting.get_json()
    assert body["code"] == "sign_in_waiting"
    assert body["title"] == "这个账号连续输错密码的次数太多：请等一会儿再试。"
    assert 55 <= body["retry_after_seconds"] <= 61
    assert state(fresh_app, clerk.user_id).failed_sign_ins == 5  # waiting tries are not counted

    clock.later(seconds=61)
    assert attempt(fresh_app, name, "guess-6", "10.0.2.1").status_code == 401
    longer = attempt(fresh_app, name, RIGHT, "10.0.2.2").get_json()
    assert longer["code"] == "sign_in_waiting"
    assert 115 <= longer["retry_after_seconds"] <= 121

    clock.later(seconds=121)
    assert attempt(fresh_app, name, RIGHT, "10.0.3.1").status_code == 201
    assert tuple(state(fresh_app, clerk.user_id)) == (0, None)


def test_an_unknown_username_has_no_account_to_wait(fresh_app):
    statuses = [attempt(fresh_app, "nobody", "x", "10.0.0.1").status_code for _ in range(7)]

    assert statuses == [401] * 7


def test_an_admins_reset_ends_the_wait(fresh_app, clerk, monkeypatch):
    Clock(monkeypatch)
    for n in range(5):
        attempt(fresh_app, clerk.username, f"guess-{n}", "10.0.0.1")
    with fresh_app.app_context():
        reset_password(ROOT, clerk.user_id, password="a-new-password-2")
        db.session.commit()

    assert attempt(fresh_app, clerk.username, "a-new-password-2", "10.0.0.1").status_code == 201


def test_the_sign_in_page_says_how_long_to_wait(fresh_app, clerk, monkeypatch):
    Clock(monkeypatch)
    client = fresh_app.test_client()

    def sign_in(password):
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        data = {"username": clerk.username, "password": password}
        if token:
            data["csrf_token"] = token[1]
        return client.post("/login", data=data)

    wrong = [sign_in(f"guess-{n}").status_code for n in range(5)]
    waiting = sign_in(RIGHT)

    assert wrong == [422] * 5
    assert waiting.status_code == 422
    text = waiting.get_data(as_text=True)
    assert "这个账号连续输错密码的次数太多" in text
    assert "请 1 分钟后再试。" in text
