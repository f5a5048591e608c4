"""Fixtures for campaigns: a village with an admin, a leader, a council of three (one of
them living in a household of the village), households, the 好家庭 rule, and a clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import pytest

from pointsmart.accounts.models import ApiToken
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.periods import local_today
from tests.awards.conftest import Browser, add_rule
from tests.factories import Staff


@dataclass
class Household:
    """A household with a villager's API token (as ``/me`` signs in with phone and PIN)."""

    id: int
    village_id: int
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def with_token(household) -> Household:
    token = secrets.token_urlsafe(24)
    db.session.add(
        ApiToken(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            household_id=household.id,
            expires_at=utcnow() + dt.timedelta(hours=1),
        )
    )
    db.session.flush()
    return Household(household.id, household.village_id, token)


@pytest.fixture
def village(make):
    return make.village()


@pytest.fixture
def households(make, village) -> list[Household]:
    names = ["王建国", "李秀英", "张桂兰", "赵德明", "刘玉梅"]
    return [with_token(make.household(village, head_name=name)) for name in names]


@pytest.fixture
def admin(make, village) -> Staff:
    return make.staff("admin", village)


@pytest.fixture
def leader(make, village) -> Staff:
    return make.staff("leader", village)


@pytest.fixture
def council(make, village) -> list[Staff]:
    return [make.staff("leader", village) for _ in range(3)]


@pytest.fixture
def good_family(village):
    return add_rule(village, "hjt", "好家庭", "red", 100, valid_from=dt.date(2020, 1, 1))


@pytest.fixture
def today(village) -> dt.date:
    return local_today(village.timezone)


def campaign_body(rule, council, today, **changes) -> dict:
    """A one-day campaign by default: nominate, review and publish today, no notice days."""
    return {
        "title": "好家庭",
        "rule_id": rule.id,
        "seats": 2,
        "nominate_from": today.isoformat(),
        "nominate_until": today.isoformat(),
        "review_until": today.isoformat(),
        "notice_days": 0,
        "quorum": 2,
        "council": [member.user_id for member in council],
        **changes,
    }


@pytest.fixture
def browse(client):
    """A signed-in staff page client (as the awards pages' tests use)."""

    def as_(staff: Staff) -> Browser:
        return Browser(client, staff)

    return as_


@pytest.fixture(autouse=True)
def photo_dir(app, tmp_path):
    """Nominees' photos go to the test's own folder."""
    app.config["CAMPAIGN_PHOTO_DIR"] = str(tmp_path / "campaign-photos")
    yield tmp_path / "campaign-photos"
    app.config.pop("CAMPAIGN_PHOTO_DIR")
