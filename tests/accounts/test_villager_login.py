"""Villagers sign in with the household's phone number and PIN and see only their household."""

import datetime as dt

import pytest

from pointsmart.counter import pins
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.households.models import Household
from tests.factories import ROOT, Factories


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def household_with_pin(api, make, village, *, phone="13800138000", pin="135790", **fields):
    household = make.household(village, phone=phone, **fields)
    admin = make.staff("admin", village)
    api.request("POST", f"/households/{household.id}/pin", json={"pin": pin}, as_=admin, expect=204)
    return household


def sign_in(api, phone, pin, expect=201):
    return api.post("/auth/token", json={"phone": phone, "pin": pin}, expect=expect)


def test_a_villager_signs_in_and_sees_only_their_own_household(api, make):
    village = make.village()
    own = household_with_pin(api, make, village)
    other = make.household(village)

    answer = sign_in(api, "138-0013-8000", "135790")

    assert answer["user"] == {"id": None, "username": "", "household_id": own.id, "roles": []}
    assert answer["pin_must_change"] is True
    token = answer["token"]
    first = api.get(f"/households/{own.id}", headers=bearer(token), expect=403)
    assert first["code"] == "pin_must_change"
    api.request(
        "POST",
        "/auth/pin",
        json={"pin": "135790", "new_pin": "246801"},
        headers=bearer(token),
        expect=204,
    )
    seen = api.get(f"/households/{own.id}", headers=bearer(token))
    assert seen["id"] == own.id
    refused = api.get(f"/households/{other.id}", headers=bearer(token), expect=403)
    assert refused["code"] == "forbidden"
    api.get(f"/households/{other.id}/transfers", headers=bearer(token), expect=403)
    api.get(f"/households/{own.id}/transfers", headers=bearer(token))


def test_any_failure_gets_the_same_401(api, make):
    village = make.village()
    household_with_pin(api, make, village)
    make.household(village, phone="13900000000")  # a phone without a PIN

    answers = [
        sign_in(api, "13800138000", "000000", expect=401),
        sign_in(api, "13700000000", "135790", expect=401),
        sign_in(api, "13900000000", "135790", expect=401),
        sign_in(api, "13800138000", "12ab", expect=401),
    ]

    assert all(a == answers[0] for a in answers)
    assert answers[0]["code"] == "unauthorized"


def test_a_request_mixing_or_missing_both_shapes_is_refused(api, make):
    mixed = api.post(
        "/auth/token",
        json={"username": "x", "password": "y", "phone": "1", "pin": "123456"},
        expect=422,
    )
    half = api.post("/auth/token", json={"phone": "13800138000"}, expect=422)

    assert mixed["code"] == half["code"] == "validation_failed"
    assert "pin" in half["errors"]


def test_five_wrong_pins_lock_the_household_for_15_minutes_then_it_unlocks(api, make):
    village = make.village()
    household = household_with_pin(api, make, village)

    for _ in range(5):
        sign_in(api, "13800138000", "000000", expect=401)
    locked = sign_in(api, "13800138000", "135790", expect=401)

    db.session.refresh(household)
    assert household.pin_locked_until > utcnow() + dt.timedelta(minutes=14)
    assert locked["code"] == "unauthorized"
    # A quarter of an hour later the right PIN opens it again.
    household.pin_locked_until = utcnow() - dt.timedelta(seconds=1)
    db.session.flush()
    sign_in(api, "13800138000", "135790")
    db.session.refresh(household)
    assert household.pin_failed_attempts == 0


def test_a_right_pin_resets_the_count_of_wrong_ones(api, make):
    village = make.village()
    household = household_with_pin(api, make, village)

    for _ in range(4):
        sign_in(api, "13800138000", "000000", expect=401)
    sign_in(api, "13800138000", "135790")
    for _ in range(4):
        sign_in(api, "13800138000", "000000", expect=401)

    db.session.refresh(household)
    assert household.pin_locked_until is None
    assert household.pin_failed_attempts == 4


def test_when_several_households_share_a_phone_the_pin_decides_which(api, make):
    village = make.village()
    first = household_with_pin(api, make, village, pin="111111")
    second = household_with_pin(api, make, village, pin="222222")

    assert sign_in(api, "13800138000", "111111")["user"]["household_id"] == first.id
    assert sign_in(api, "13800138000", "222222")["user"]["household_id"] == second.id


def test_signing_in_to_one_household_of_a_shared_phone_counts_no_guess_at_the_other(api, make):
    village = make.village()
    first = household_with_pin(api, make, village, pin="111111")
    second = household_with_pin(api, make, village, pin="222222")
    for _ in range(4):
        sign_in(api, "13800138000", "000000", expect=401)  # four wrong PINs count on both

    # The first household is tried first: its fifth attempt would lock it, but the PIN was
    # the second household's, so that attempt is taken back and the lock with it.
    assert sign_in(api, "13800138000", "222222")["user"]["household_id"] == second.id

    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.pin_failed_attempts, first.pin_locked_until) == (4, None)
    assert (second.pin_failed_attempts, second.pin_locked_until) == (0, None)
    assert sign_in(api, "13800138000", "111111")["user"]["household_id"] == first.id


def test_a_household_of_a_shared_phone_cannot_choose_the_pin_of_another(api, make):
    # The PIN tells the households of one phone apart: a second household choosing the first
    # one's PIN signed in to the first household from then on (its history, its balance),
    # and never again to its own.
    village = make.village()
    first = household_with_pin(api, make, village, pin="111111")
    first.pin_chosen_hash = first.pin_hash
    second = household_with_pin(api, make, village, pin="222222")
    token = sign_in(api, "13800138000", "222222")["token"]

    body = {"pin": "222222", "new_pin": "１１１１１１"}  # full-width digits: the same PIN
    refused = api.post("/auth/pin", json=body, headers=bearer(token), expect=422)

    assert list(refused["errors"]) == ["new_pin"]
    assert sign_in(api, "13800138000", "111111")["user"]["household_id"] == first.id
    # The check is a guess at the other household's PIN, counted as one at sign-in is.
    db.session.refresh(first)
    assert first.pin_failed_attempts == 0  # that guess was right: nothing to count
    api.request(
        "POST", "/auth/pin", json={"pin": "222222", "new_pin": "333333"}, headers=bearer(token),
        expect=204,
    )  # fmt: skip
    db.session.refresh(first)
    assert first.pin_failed_attempts == 1
    assert sign_in(api, "13800138000", "333333")["user"]["household_id"] == second.id
    assert sign_in(api, "13800138000", "111111")["user"]["household_id"] == first.id


def test_an_admin_cannot_give_a_household_the_pin_of_another_with_its_phone(api, make):
    # Sign-in opens the first household whose PIN matches: a reset to the PIN the other
    # household of the phone has would hand whoever holds the slip the other household.
    village = make.village()
    first = household_with_pin(api, make, village, pin="111111")
    second = household_with_pin(api, make, village, pin="222222")
    admin = make.staff("admin", village)

    refused = api.request(
        "POST", f"/households/{second.id}/pin", json={"pin": "111111"}, as_=admin, expect=422
    )

    assert list(refused.get_json()["errors"]) == ["pin"]
    assert sign_in(api, "13800138000", "222222")["user"]["household_id"] == second.id
    assert sign_in(api, "13800138000", "111111")["user"]["household_id"] == first.id
    db.session.refresh(first)
    assert first.pin_failed_attempts == 0  # an admin's check is no guess
    # A household of another phone may have any PIN.
    household_with_pin(api, make, village, phone="13900139000", pin="111111")


def test_a_household_that_moved_away_cannot_sign_in(api, make):
    village = make.village()
    household = household_with_pin(api, make, village)
    token = sign_in(api, "13800138000", "135790")["token"]
    household.status = "moved_away"
    db.session.flush()

    sign_in(api, "13800138000", "135790", expect=401)
    api.get(f"/households/{household.id}", headers=bearer(token), expect=401)


def test_the_pin_an_admin_set_must_be_changed_and_then_need_not_be(api, make):
    village = make.village()
    household = household_with_pin(api, make, village)
    token = sign_in(api, "13800138000", "135790")["token"]

    same = api.post(
        "/auth/pin", json={"pin": "135790", "new_pin": "135790"}, headers=bearer(token), expect=422
    )
    wrong = api.post(
        "/auth/pin", json={"pin": "000000", "new_pin": "246801"}, headers=bearer(token), expect=422
    )
    api.request(
        "POST",
        "/auth/pin",
        json={"pin": "135790", "new_pin": "246801"},
        headers=bearer(token),
        expect=204,
    )

    assert "new_pin" in same["errors"]
    assert "pin" in wrong["errors"]
    sign_in(api, "13800138000", "135790", expect=401)
    assert sign_in(api, "13800138000", "246801")["pin_must_change"] is False
    # An admin's reset makes it due again.
    admin = make.staff("admin", village)
    api.request(
        "POST", f"/households/{household.id}/pin", json={"pin": "999999"}, as_=admin, expect=204
    )
    assert sign_in(api, "13800138000", "999999")["pin_must_change"] is True


def test_staff_cannot_use_the_villager_pin_change(api, make):
    staff = make.staff("admin", make.village())

    refused = api.post("/auth/pin", json={"pin": "1", "new_pin": "2"}, as_=staff, expect=403)

    assert refused["code"] == "forbidden"


@pytest.mark.app_config(LOGIN_RATE_LIMIT="3/minute")
def test_villager_sign_ins_are_rate_limited_per_address(fresh_app):
    with fresh_app.app_context():
        Factories().household(Factories().village(), phone="13800138000")
        db.session.commit()
        assert db.session.query(Household).count() == 1
    client = fresh_app.test_client()
    attempt = {"phone": "13800138000", "pin": "000000"}

    statuses = [client.post("/api/v1/auth/token", json=attempt).status_code for _ in range(3)]
    refused = client.post("/api/v1/auth/token", json=attempt)

    assert statuses == [401, 401, 401]
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "rate_limited"


def test_attempts_are_counted_and_taken_back_where_they_really_commit(fresh_app):
    """The same on a database where each request commits (on PostgreSQL the attempts are
    counted on a connection of their own, ``pointsmart.refusals``)."""
    with fresh_app.app_context():
        village = Factories().village()
        first, second = (Factories().household(village, phone="13800138000") for _ in range(2))
        pins.set_pin(ROOT, first.id, "111111")
        pins.set_pin(ROOT, second.id, "222222")
        db.session.commit()
        ids = first.id, second.id
    client = fresh_app.test_client()

    def attempt(pin):
        body = {"phone": "13800138000", "pin": pin}
        return client.post("/api/v1/auth/token", json=body).status_code

    def states():
        with fresh_app.app_context():
            return [
                (row.pin_failed_attempts, row.pin_locked_until is not None)
                for row in (db.session.get(Household, id_) for id_ in ids)
            ]

    wrong = [attempt("000000") for _ in range(4)]
    assert states() == [(4, False), (4, False)]
    assert attempt("222222") == 201
    assert states() == [(4, False), (0, False)]
    assert attempt("000000") == 401
    assert states() == [(0, True), (1, False)]  # the first's fifth wrong PIN in a row locks it
    assert attempt("111111") == 401  # locked: even its right PIN is refused
    assert wrong == [401] * 4


def test_wrong_current_pins_when_changing_the_pin_count_as_guesses(fresh_app):
    """Whoever holds a household's session but not its PIN (a phone left signed in) may not
    guess the PIN by changing it: a wrong current PIN is counted like a wrong PIN at sign-in,
    and the fifth locks the PIN, there and at the counter."""
    with fresh_app.app_context():
        village = Factories().village()
        household = Factories().household(village, phone="13800138000")
        pins.set_pin(ROOT, household.id, "135790")
        db.session.commit()
        household_id = household.id
    client = fresh_app.test_client()
    body = {"phone": "13800138000", "pin": "135790"}
    token = client.post("/api/v1/auth/token", json=body).get_json()["token"]

    def change(pin):
        answer = client.post(
            "/api/v1/auth/pin", json={"pin": pin, "new_pin": "246801"}, headers=bearer(token)
        )
        return answer.status_code, (answer.get_json(silent=True) or {}).get("code")

    wrong = [change(f"00000{index}") for index in range(5)]
    right = change("135790")

    assert wrong == [(422, "validation_failed")] * 4 + [(429, "pin_locked")]
    assert right == (429, "pin_locked")
    assert client.post("/api/v1/auth/token", json=body).status_code == 401
    with fresh_app.app_context():
        assert db.session.get(Household, household_id).pin_locked_until is not None


def test_a_locked_pin_takes_as_long_to_refuse_as_an_unknown_phone(api, make, monkeypatch):
    """The same 401 for every failure, and the same work: a locked household's sign-in was
    refused without checking any PIN, in a millisecond, where an unknown phone costs one
    argon2 check (tens of milliseconds). Five wrong PINs, then a sixth timed, told anyone
    which phones belong to a household of the village. Found by the security hunt; for every
    household whose phone is on file."""
    from pointsmart.accounts import villagers

    village = make.village()
    household_with_pin(api, make, village)
    for _ in range(5):
        sign_in(api, "13800138000", "000000", expect=401)
    checks = []
    real = villagers.verify_secret
    monkeypatch.setattr(
        villagers, "verify_secret", lambda stored, pin: checks.append(stored) or real(stored, pin)
    )

    sign_in(api, "13900000099", "000000", expect=401)  # no such phone
    unknown = len(checks)
    sign_in(api, "13800138000", "000000", expect=401)  # the locked household's
    locked = len(checks) - unknown

    assert unknown == 1
    assert locked == unknown
