"""Passwords and PINs are stored as argon2id hashes at (at least) OWASP's recommendation:
19 MiB of memory, 2 iterations, 1 lane (Password Storage Cheat Sheet). The parameters are
read back from the stored hashes themselves; a hash stored with weaker ones is replaced at the
next successful sign-in."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

from pointsmart.accounts.models import User
from pointsmart.extensions import db
from pointsmart.households.models import Household

OWASP_MEMORY_KIB, OWASP_TIME, OWASP_LANES = 19 * 1024, 2, 1
ARGON2 = re.compile(
    r"\A\$(?P<type>argon2(?:id|i|d))\$v=(?P<version>[0-9]+)"
    r"\$m=(?P<m>[0-9]+),t=(?P<t>[0-9]+),p=(?P<p>[0-9]+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+\Z"
)
WEAK = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def assert_owasp_argon2id(stored: str) -> None:
    parsed = ARGON2.match(stored)
    assert parsed, stored
    assert parsed["type"] == "argon2id"
    assert int(parsed["version"]) == 19  # argon2 1.3
    assert int(parsed["m"]) >= OWASP_MEMORY_KIB
    assert int(parsed["t"]) >= OWASP_TIME
    assert int(parsed["p"]) >= OWASP_LANES


def test_a_staff_password_is_stored_as_argon2id_at_owasp_parameters(make):
    staff = make.staff("admin", password="a-long-password")

    stored = db.session.get(User, staff.user_id).password_hash

    assert_owasp_argon2id(stored)
    assert "a-long-password" not in stored


def test_a_pin_set_by_an_admin_and_one_chosen_are_both_argon2id_at_owasp_parameters(api, make):
    village = make.village()
    household = make.household(village, phone="13900000021")
    admin = make.staff("admin", village)
    api.request(
        "POST", f"/households/{household.id}/pin", json={"pin": "135790"}, as_=admin, expect=204
    )
    set_by_admin = db.session.get(Household, household.id).pin_hash
    token = api.post("/auth/token", json={"phone": "13900000021", "pin": "135790"})["token"]
    api.request(
        "POST",
        "/auth/pin",
        json={"pin": "135790", "new_pin": "246801"},
        headers={"Authorization": f"Bearer {token}"},
        expect=204,
    )
    db.session.expire_all()

    assert_owasp_argon2id(set_by_admin)
    assert_owasp_argon2id(db.session.get(Household, household.id).pin_hash)


def test_a_password_hashed_with_weaker_parameters_is_upgraded_at_sign_in(api, make):
    staff = make.staff("leader", make.village(), password="a-long-password")
    db.session.get(User, staff.user_id).password_hash = WEAK.hash("a-long-password")

    api.post("/auth/token", json={"username": staff.username, "password": "a-long-password"})
    db.session.expire_all()

    assert_owasp_argon2id(db.session.get(User, staff.user_id).password_hash)


@pytest.mark.parametrize("chosen", [True, False])
def test_a_pin_hashed_with_weaker_parameters_is_upgraded_and_stays_chosen_or_not(api, make, chosen):
    household = make.household(make.village(), phone="13900000022")
    household.pin_hash = WEAK.hash("135790")
    household.pin_chosen_hash = household.pin_hash if chosen else None

    answer = api.post("/auth/token", json={"phone": "13900000022", "pin": "135790"})
    db.session.expire_all()

    stored = db.session.get(Household, household.id)
    assert_owasp_argon2id(stored.pin_hash)
    assert answer["pin_must_change"] is (not chosen)
    assert stored.pin_must_change is (not chosen)
