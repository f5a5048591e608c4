"""A bearer token becomes a principal in one SQL statement, with every role and every refusal."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa

from pointsmart.accounts.models import ApiToken, RoleAssignment, User
from pointsmart.accounts.service import load_principal, principal_for_token
from pointsmart.database import utcnow
from pointsmart.extensions import db
from tests.ledger.test_hot_path import recorded_statements


def _token(*, hours: float = 2, revoked: bool = False, **holder) -> str:
    token = secrets.token_urlsafe(24)
    db.session.add(
        ApiToken(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=utcnow() + dt.timedelta(hours=hours),
            revoked_at=utcnow() if revoked else None,
            **holder,
        )
    )
    db.session.flush()
    return token


def test_a_staff_token_is_one_statement_with_every_role(make):
    village, other = make.village(), make.village()
    shop = make.shop(village)
    keeper = make.staff("shopkeeper", village, shop)
    token = _token(user_id=keeper.user_id)

    with recorded_statements() as statements:
        principal = principal_for_token(token)

    assert len(statements) == 1, statements
    assert principal == load_principal(keeper.user_id)
    assert principal.shops == {shop.id: village.id}
    assert not principal.is_staff_of(other.id)


def test_a_user_without_roles_and_a_global_admin(make):
    root = make.staff("admin")
    assert principal_for_token(_token(user_id=root.user_id)).global_admin

    leader = make.staff("leader", make.village())
    db.session.execute(sa.delete(RoleAssignment).where(RoleAssignment.user_id == leader.user_id))
    principal = principal_for_token(_token(user_id=leader.user_id))
    assert principal == load_principal(leader.user_id)
    assert principal.visible_village_ids() == frozenset()


def test_tokens_that_stand_for_nobody(make):
    village = make.village()
    admin = make.staff("admin", village)
    household = make.household(village)

    assert principal_for_token("no-such-token") is None
    assert principal_for_token(_token(user_id=admin.user_id, hours=-1)) is None
    assert principal_for_token(_token(user_id=admin.user_id, revoked=True)) is None

    disabled = _token(user_id=admin.user_id)
    db.session.get(User, admin.user_id).active = False
    assert principal_for_token(disabled) is None

    villager = _token(household_id=household.id)
    principal = principal_for_token(villager)
    assert (principal.household_id, principal.household_village_id, principal.user_id) == (
        household.id,
        village.id,
        None,
    )
    household.status = "moved_away"
    assert principal_for_token(villager) is None
