"""A village with an admin, a leader, a shopkeeper, a grid and a household; and an admin of
another village. Page helpers sign a user in and post forms with the session's CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from pointsmart.audit.models import AuditEntry
from pointsmart.audit.service import changes_of
from pointsmart.counter.models import Shop
from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.villages.models import Grid, Village
from tests.counter.web import sign_in
from tests.factories import Factories, Staff

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Office:
    make: Factories
    village: Village
    grid: Grid
    household: Household
    shop: Shop
    admin: Staff
    leader: Staff
    keeper: Staff
    other_admin: Staff  # administers another village only


@pytest.fixture
def office(make) -> Office:
    village = make.village(name="幸福村")
    other = make.village(name="隔壁村")
    shop = make.shop(village, name="幸福超市")
    grid = make.grid(village, name="第一网格")
    household = make.household(village, grid=grid, number="XF-001", head_name="王建国")
    return Office(
        make=make,
        village=village,
        grid=grid,
        household=household,
        shop=shop,
        admin=make.staff("admin", village),
        leader=make.staff("leader", village),
        keeper=make.staff("shopkeeper", village, shop),
        other_admin=make.staff("admin", other),
    )


class Pages:
    """A signed-in browser session on the admin pages."""

    def __init__(self, client):
        self.client = client
        self.token: str | None = None

    def as_(self, staff: Staff) -> Pages:
        sign_in(self.client, staff)
        self.token = None
        return self

    def get(self, path: str, expect: int = 200) -> str:
        db.session.commit()
        response = self.client.get(path)
        assert response.status_code == expect, (path, response.status_code)
        html = response.get_data(as_text=True)
        found = CSRF.search(html)
        if found:
            self.token = found.group(1)
        return html

    def post(self, path: str, data: dict | None = None, expect: int = 303) -> str:
        if self.token is None:
            self.get("/")
        db.session.commit()
        response = self.client.post(path, data={"csrf_token": self.token, **(data or {})})
        assert response.status_code == expect, (
            path,
            response.status_code,
            response.get_data(as_text=True)[:800],
        )
        db.session.expire_all()
        return response.get_data(as_text=True)


@pytest.fixture
def pages(client) -> Pages:
    return Pages(client)


def last_entry(action: str | None = None) -> AuditEntry:
    """The newest audit entry (of ``action``)."""
    query = db.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return db.session.execute(query).scalar_one()


def last_changes(action: str) -> dict:
    """What the newest entry of ``action`` says changed."""
    return changes_of(last_entry(action))


def count_entries(action: str) -> int:
    return len(
        db.session.execute(db.select(AuditEntry.id).where(AuditEntry.action == action)).all()
    )
