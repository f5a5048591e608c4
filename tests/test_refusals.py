"""Guesses sent at once cannot outrun the limits on wrong PINs and passwords.

A real server (granian with production's workers, ``tests/load/server.py``) on a database of
its own, and twelve wrong guesses fired together through a barrier, each from an address of its
own (the per-address sign-in limit is not what is tested here). Each attempt is counted before
it is checked (``pointsmart.refusals``), so as many are checked as the limit allows (at the
counter on SQLite, at most one more: :func:`slips`):

* a household's PIN at the counter: 4 ``pin_wrong``, the 5th locks it, 7 find it locked;
* a villager signing in with a phone and PIN: the PIN locks after 5, the right PIN then too;
* a staff password: 5 wrong ones answered 401, then the account waits (7 ``sign_in_waiting``).

Before, every guess in flight read the count from before the others and was checked.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from pointsmart import refusals
from pointsmart.accounts.models import User
from pointsmart.counter import goods, pins
from pointsmart.extensions import db
from pointsmart.households.models import Household
from tests.conftest import app_on_fresh_database
from tests.counter.test_concurrency import at_once
from tests.factories import ROOT, Factories
from tests.load.server import request, serving

GUESSES = 12
RIGHT_PIN = "135790"
RIGHT_PASSWORD = "right-password-1"


@dataclass
class Scene:
    shop_id: int
    product_id: int
    keeper: dict[str, str]
    household_id: int
    phone: str
    username: str


def build_scene(app) -> Scene:
    with app.app_context():
        make = Factories()
        village = make.village()
        pins.set_pin_threshold(ROOT, village.id, 0)  # every sale needs the PIN
        shop = make.shop(village)
        keeper = make.staff("shopkeeper", village, shop)
        household = make.household(village, phone="13800138000")
        pins.set_pin(ROOT, household.id, RIGHT_PIN)
        make.award(household, 100)
        product = goods.create_product(ROOT, shop.id, name="肥皂", points_price=1, stock=100)
        clerk = make.staff("admin", village, password=RIGHT_PASSWORD)
        db.session.commit()
        return Scene(shop.id, product.id, keeper.auth, household.id, "13800138000", clerk.username)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    with app_on_fresh_database(folder) as app:
        scene = build_scene(app)
        # PROXY_COUNT: each guess comes from an address of its own (X-Forwarded-For).
        with serving(app, folder, PROXY_COUNT="1") as address:
            yield app, scene, address


def slips(app) -> int:
    """Guesses at the counter that may be checked past the limit. None on PostgreSQL. On
    SQLite a wrong PIN's count is rolled back with its refused sale and written again just
    after, and the one guess the other worker has in flight may read the count in between
    (``refusals``; a sign-in commits its count before its refusal instead)."""
    return 1 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else 0


def from_somewhere_else() -> dict[str, str]:
    return {"X-Forwarded-For": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"}


def wrong_pin(index: int) -> str:
    return f"{index:06d}"


def codes(answers) -> Counter:
    return Counter(
        body.get("code") if isinstance(body, dict) else status for status, _, body in answers
    )


def household_pin_state(app, household_id: int):
    with app.app_context():
        row = db.session.execute(
            sa.select(Household.pin_failed_attempts, Household.pin_locked_until).where(
                Household.id == household_id
            )
        ).one()
        db.session.remove()
        return row


def unlock(app, household_id: int) -> None:
    with app.app_context():
        pins.set_pin(ROOT, household_id, RIGHT_PIN)
        db.session.commit()
        db.session.remove()


def test_twelve_wrong_pins_at_the_counter_at_once_check_five(server):
    app, scene, address = server
    unlock(app, scene.household_id)

    def sell(index: int):
        sale = {
            "household_id": scene.household_id,
            "shop_id": scene.shop_id,
            "items": [{"product_id": scene.product_id, "quantity": 1}],
            "pin": wrong_pin(index),
        }
        headers = {**scene.keeper, "Idempotency-Key": f"guess-{uuid.uuid4()}"}
        return request(address, "POST", "/api/v1/redemptions", sale, headers)

    answers = at_once(GUESSES, sell)
    right = sell_with_right_pin(address, scene)

    counted = codes(answers)
    assert pins.MAX_ATTEMPTS - 1 <= counted["pin_wrong"] <= pins.MAX_ATTEMPTS - 1 + slips(app)
    assert counted["pin_locked"] == GUESSES - counted["pin_wrong"]
    assert right[2]["code"] == "pin_locked"
    assert household_pin_state(app, scene.household_id).pin_locked_until is not None


def sell_with_right_pin(address: str, scene: Scene):
    sale = {
        "household_id": scene.household_id,
        "shop_id": scene.shop_id,
        "items": [{"product_id": scene.product_id, "quantity": 1}],
        "pin": RIGHT_PIN,
    }
    headers = {**scene.keeper, "Idempotency-Key": f"right-{uuid.uuid4()}"}
    return request(address, "POST", "/api/v1/redemptions", sale, headers)


def test_twelve_wrong_pins_signing_in_at_once_lock_the_pin(server):
    app, scene, address = server
    unlock(app, scene.household_id)

    def sign_in(index: int):
        body = {"phone": scene.phone, "pin": wrong_pin(index)}
        return request(address, "POST", "/api/v1/auth/token", body, from_somewhere_else())

    answers = at_once(GUESSES, sign_in)
    right = request(
        address,
        "POST",
        "/api/v1/auth/token",
        {"phone": scene.phone, "pin": RIGHT_PIN},
        from_somewhere_else(),
    )

    assert codes(answers) == {"unauthorized": GUESSES}
    state = household_pin_state(app, scene.household_id)
    # Five were counted and locked the PIN (the count starts again at the lock); the seven
    # others found it locked and were not counted. Counted after the check, as before, all
    # twelve were checked and counted, and the count went on past the lock.
    assert state.pin_locked_until is not None
    assert state.pin_failed_attempts == 0
    assert right[0] == 401


def test_twelve_wrong_passwords_at_once_get_five_answers_then_the_account_waits(server):
    app, scene, address = server

    def sign_in(index: int):
        body = {"username": scene.username, "password": f"guess-{index}"}
        return request(address, "POST", "/api/v1/auth/token", body, from_somewhere_else())

    answers = at_once(GUESSES, sign_in)

    assert codes(answers) == {"unauthorized": 5, "sign_in_waiting": 7}
    with app.app_context():
        failures = db.session.execute(
            sa.select(User.failed_sign_ins).where(User.username == scene.username)
        ).scalar_one()
        db.session.remove()
    assert failures == 5


def test_an_attempt_that_cannot_be_counted_in_time_is_a_busy_503(fresh_app, monkeypatch):
    """On PostgreSQL an attempt is counted on a connection of its own, which waits for the
    household's row at most ``lock_timeout``: behind a transaction that holds the row (cards
    being issued for a sheet), the sign-in is refused as busy, to be tried again, not as an
    error of ours."""
    if not fresh_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the counting waits on a row lock on PostgreSQL only")
    with fresh_app.app_context():
        village = Factories().village()
        household = Factories().household(village, phone="13800138000")
        pins.set_pin(ROOT, household.id, RIGHT_PIN)
        db.session.commit()
        household_id = household.id
        engine = db.engine
    monkeypatch.setattr(refusals, "_LOCK_TIMEOUT", "200ms")
    client = fresh_app.test_client()

    with engine.connect() as holder:
        holder.execute(
            sa.select(Household.id).where(Household.id == household_id).with_for_update()
        )
        answer = client.post("/api/v1/auth/token", json={"phone": "13800138000", "pin": "000000"})
        holder.rollback()

    assert answer.status_code == 503
    assert answer.get_json()["code"] == "busy"
    assert "Retry-After" in answer.headers


def test_a_right_pin_whose_sale_is_refused_clears_the_count_on_postgresql_only(fresh_app):
    """The count of wrong PINs before a right one, when the sale is then refused (too few
    points): on PostgreSQL the right PIN cleared it on a connection of its own, which the
    refusal does not undo; on SQLite the clearing goes with the request (``refusals``)."""
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        pins.set_pin_threshold(ROOT, village.id, 0)
        shop = make.shop(village)
        keeper = make.staff("shopkeeper", village, shop)
        household = make.household(village)
        pins.set_pin(ROOT, household.id, RIGHT_PIN)
        make.award(household, 1)
        oil = goods.create_product(ROOT, shop.id, name="菜籽油", points_price=5, stock=10)
        db.session.commit()
        ids = household.id, shop.id, oil.id
    client = fresh_app.test_client()

    def sell(pin: str):
        body = {
            "household_id": ids[0],
            "shop_id": ids[1],
            "items": [{"product_id": ids[2], "quantity": 1}],
            "pin": pin,
        }
        headers = {**keeper.auth, "Idempotency-Key": str(uuid.uuid4())}
        return client.post("/api/v1/redemptions", json=body, headers=headers).get_json()["code"]

    answers = [sell("000000"), sell("111111"), sell(RIGHT_PIN)]

    assert answers == ["pin_wrong", "pin_wrong", "insufficient_points"]
    on_sqlite = fresh_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    assert household_pin_state(fresh_app, ids[0]).pin_failed_attempts == (2 if on_sqlite else 0)
