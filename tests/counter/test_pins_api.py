"""A village may ask for the household's PIN above an amount; guessing locks the PIN."""

import datetime as dt

import pytest
import sqlalchemy as sa

from pointsmart.counter import pins
from pointsmart.counter.models import Redemption
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.households.models import Household
from tests.conftest import count_rows


def require_pin_above(api, counter, points):
    return api.request(
        "PUT",
        f"/villages/{counter.village.id}/counter-settings",
        json={"pin_required_above": points},
        as_=counter.admin,
        expect=200,
    ).get_json()


def set_pin(api, counter, pin="246810"):
    api.request(
        "POST",
        f"/households/{counter.household.id}/pin",
        json={"pin": pin},
        as_=counter.admin,
        expect=204,
    )


def attempts(counter):
    return db.session.execute(
        sa.select(Household.pin_failed_attempts, Household.pin_locked_until).where(
            Household.id == counter.household.id
        )
    ).one()


def test_an_admin_sets_the_threshold_and_the_pin(api, counter):
    assert require_pin_above(api, counter, 100) == {
        "village_id": counter.village.id,
        "pin_required_above": 100,
        "offline_limit": 50,
    }
    set_pin(api, counter)

    household = db.session.get(Household, counter.household.id)
    assert household.pin_hash.startswith("$argon2id$")
    for bad in ("12345", "abcdef", "1234567", ""):
        api.request(
            "POST",
            f"/households/{counter.household.id}/pin",
            json={"pin": bad},
            as_=counter.admin,
            expect=422,
        )
    api.request(
        "POST",
        f"/households/{counter.household.id}/pin",
        json={"pin": "123456"},
        as_=counter.keeper,
        expect=403,
    )
    api.request(
        "PUT",
        f"/villages/{counter.village.id}/counter-settings",
        json={"pin_required_above": 5},
        as_=counter.keeper,
        expect=403,
    )
    api.request(
        "PUT",
        f"/villages/{counter.village.id}/counter-settings",
        json={"pin_required_above": -1},
        as_=counter.admin,
        expect=422,
    )


def test_small_sales_need_no_pin_and_large_ones_do(api, counter):
    require_pin_above(api, counter, 100)
    set_pin(api, counter)

    api.post("/redemptions", json=counter.sale((counter.soap, 2)), as_=counter.keeper, key=True)
    counter.make.award(counter.household, 100)
    exactly = api.post(
        "/redemptions", json=counter.sale((counter.soap, 5)), as_=counter.keeper, key=True
    )
    assert exactly["total_points"] == 100  # not above the threshold
    missing = api.post(
        "/redemptions",
        json=counter.sale((counter.rice, 1)),
        as_=counter.keeper,
        key=True,
        expect=403,
    )
    sold = api.post(
        "/redemptions",
        json=counter.sale((counter.rice, 1), pin="246810"),
        as_=counter.keeper,
        key=True,
    )

    assert missing["code"] == "pin_required"
    assert sold["total_points"] == 250


def test_a_wrong_pin_is_counted_even_though_the_sale_is_refused(api, counter):
    require_pin_above(api, counter, 0)
    set_pin(api, counter)
    sales_before = count_rows(Redemption)

    wrong = api.post(
        "/redemptions",
        json=counter.sale((counter.soap, 1), pin="000000"),
        as_=counter.keeper,
        key=True,
        expect=403,
    )

    assert wrong["code"] == "pin_wrong"
    assert wrong["tries_left"] == pins.MAX_ATTEMPTS - 1
    assert attempts(counter)[0] == 1
    assert count_rows(Redemption) == sales_before
    api.post(
        "/redemptions",
        json=counter.sale((counter.soap, 1), pin="246810"),
        as_=counter.keeper,
        key=True,
    )
    assert attempts(counter)[0] == 0  # a right PIN starts the count again


def test_five_wrong_pins_lock_it_even_for_the_right_one(api, counter, monkeypatch):
    require_pin_above(api, counter, 0)
    set_pin(api, counter)
    body = counter.sale((counter.soap, 1), pin="111111")
    codes = [
        api.post("/redemptions", json=body, as_=counter.keeper, key=True, expect=status)["code"]
        for status in (403, 403, 403, 403, 429)
    ]
    assert codes == ["pin_wrong"] * 4 + ["pin_locked"]

    right = counter.sale((counter.soap, 1), pin="246810")
    locked = api.post("/redemptions", json=right, as_=counter.keeper, key=True, expect=429)
    assert locked["code"] == "pin_locked"
    assert attempts(counter)[1] is not None

    later = utcnow() + dt.timedelta(minutes=pins.LOCK_MINUTES + 1)
    monkeypatch.setattr("pointsmart.counter.pins.utcnow", lambda: later)
    assert api.post("/redemptions", json=right, as_=counter.keeper, key=True)["total_points"] == 20
    assert attempts(counter) == (0, None)


def test_a_household_without_a_pin_cannot_buy_above_the_threshold(api, counter):
    require_pin_above(api, counter, 50)

    problem = api.post(
        "/redemptions",
        json=counter.sale((counter.rice, 1), pin="123456"),
        as_=counter.keeper,
        key=True,
        expect=409,
    )

    assert problem["code"] == "pin_not_set"


def test_a_household_without_a_pin_is_told_so_before_anyone_asks_it_for_one(api, counter):
    """No PIN typed, and the household has none: ``pin_not_set``, not ``pin_required`` (which
    sends the shopkeeper asking the villager for a PIN that does not exist)."""
    require_pin_above(api, counter, 50)

    problem = api.post(
        "/redemptions",
        json=counter.sale((counter.rice, 1)),
        as_=counter.keeper,
        key=True,
        expect=409,
    )

    assert problem["code"] == "pin_not_set"
    assert attempts(counter) == (0, None)
    assert count_rows(Redemption) == 0


def test_resetting_the_pin_unlocks_it(api, counter):
    require_pin_above(api, counter, 0)
    set_pin(api, counter)
    for status in [403] * (pins.MAX_ATTEMPTS - 1) + [429]:
        api.post(
            "/redemptions",
            json=counter.sale((counter.soap, 1), pin="999999"),
            as_=counter.keeper,
            key=True,
            expect=status,
        )
    assert attempts(counter)[1] is not None

    set_pin(api, counter, "135790")

    assert attempts(counter) == (0, None)
    api.post(
        "/redemptions",
        json=counter.sale((counter.soap, 1), pin="135790"),
        as_=counter.keeper,
        key=True,
    )


def test_the_pin_is_not_kept_in_the_idempotency_record(api, counter):
    require_pin_above(api, counter, 0)
    set_pin(api, counter)
    body = counter.sale((counter.soap, 1), pin="246810")
    first = api.post("/redemptions", json=body, as_=counter.keeper, key="with-pin")
    again = api.post("/redemptions", json=body, as_=counter.keeper, key="with-pin")
    assert first == again
    stored = db.session.execute(sa.text("SELECT response_body FROM idempotency_records")).scalars()
    assert all("246810" not in body for body in stored)


@pytest.mark.parametrize("pin", ["123456\n", "١٢٣٤٥٦", "12345", "1234567"])
def test_a_pin_is_exactly_six_ascii_digits(pin):
    assert not pins.PIN_PATTERN.match(pin)


def test_no_pin_is_set_for_a_household_that_has_moved_away(api, counter):
    """As no card is issued and no phone taken for it: nothing of it may be used again."""
    counter.household.status = "moved_away"
    db.session.commit()

    refused = api.request(
        "POST",
        f"/households/{counter.household.id}/pin",
        json={"pin": "246810"},
        as_=counter.admin,
        expect=422,
    ).get_json()

    assert refused["errors"] == {"household_id": ["该户已迁出。"]}
    assert db.session.get(Household, counter.household.id).pin_hash is None


def test_a_lock_that_ends_while_an_attempt_is_counted_counts_the_attempt(api, counter, monkeypatch):
    """The count found the PIN locked, and the lock had ended by the time the refusal read
    it: the attempt is counted and checked then, not refused as locked without its minutes."""
    set_pin(api, counter)
    start = utcnow()
    household = db.session.get(Household, counter.household.id)
    household.pin_locked_until = start + dt.timedelta(seconds=1)
    db.session.flush()
    moments = iter([start] + [start + dt.timedelta(seconds=2)] * 10)
    monkeypatch.setattr(pins, "utcnow", lambda: next(moments))

    with pytest.raises(pins.PinWrong):
        pins.check_pin(household, "000000")

    assert attempts(counter) == (1, None)
