"""Fixtures for the awards tests: a village with an admin, a second admin, a leader, households
and a small rule catalogue built through the service (the catalogue API has its own tests)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest

from pointsmart.accounts.auth import SESSION_TOKEN_KEY
from pointsmart.extensions import db
from pointsmart.rules import catalogue as rule_service
from tests.factories import ROOT, Staff


def add_rule(village, code, name, category, points, *, unit="each", cap=None, valid_from=None):
    """A rule of the village (through the service, as the root admin)."""
    return rule_service.create_rule(
        ROOT,
        village.id,
        code=code,
        name=name,
        category=category,
        points=points,
        unit=unit,
        monthly_cap=cap,
        valid_from=valid_from,
    )


@dataclass
class Catalogue:
    """门前三包 10 (cap 10), 垃圾分类 5 (cap 15), 志愿服务 10/hour (cap 100), 孝老爱亲 30,
    好媳妇 60 (above the default threshold of 50), 乱堆乱放 -10, 焚烧秸秆 -30."""

    tidy: object
    sorting: object
    volunteer: object
    filial: object
    good_daughter: object
    clutter: object
    burning: object


@pytest.fixture
def village(make):
    return make.village()


@pytest.fixture
def household(make, village):
    return make.household(
        village, head_name="王建国", members=[{"name": "张桂兰", "relation": "配偶"}]
    )


@pytest.fixture
def neighbour(make, village):
    return make.household(
        village, head_name="李秀英", members=[{"name": "李小燕", "relation": "女"}]
    )


@pytest.fixture
def admin(make, village) -> Staff:
    return make.staff("admin", village)


@pytest.fixture
def second_admin(make, village) -> Staff:
    return make.staff("admin", village)


@pytest.fixture
def leader(make, village) -> Staff:
    return make.staff("leader", village)


@pytest.fixture
def catalogue(village) -> Catalogue:
    start = dt.date(2020, 1, 1)  # in force for any past month a test scores
    return Catalogue(
        tidy=add_rule(village, "mqsb", "门前三包", "rule", 10, cap=10, valid_from=start),
        sorting=add_rule(village, "ljfl", "垃圾分类", "rule", 5, cap=15, valid_from=start),
        volunteer=add_rule(
            village, "zyfw", "志愿服务每小时", "volunteer", 10, unit="hour", cap=100,
            valid_from=start,
        ),
        filial=add_rule(village, "xlaq", "孝老爱亲", "red", 30, valid_from=start),
        good_daughter=add_rule(village, "hxf", "好媳妇", "red", 60, valid_from=start),
        clutter=add_rule(village, "ldlf", "乱堆乱放", "black", -10, valid_from=start),
        burning=add_rule(village, "fsjg", "焚烧秸秆", "black", -30, valid_from=start),
    )  # fmt: skip


def by_rule(household, rule, quantity=1, **fields) -> dict:
    return {"household_id": household.id, "rule_id": rule.id, "quantity": quantity, **fields}


def standing(api, staff, household) -> tuple:
    """Balance, this month's figures and history ids: what a refusal must leave alone."""
    shown = api.get(f"/households/{household.id}", as_=staff)
    history = api.get(f"/households/{household.id}/transfers", as_=staff)
    return shown["balance"], shown["month"], [t["id"] for t in history["items"]]


class Browser:
    """A signed-in page client: fetches pages and submits their forms as a browser would,
    with the page's CSRF token and one-time form key."""

    FORM_FIELDS = re.compile(r'name="(csrf_token|form_key)" value="([^"]+)"')

    def __init__(self, client, staff: Staff):
        self.client = client
        with client.session_transaction() as session:
            session[SESSION_TOKEN_KEY] = staff.token

    def get(self, path, expect=200, **kwargs):
        db.session.commit()
        response = self.client.get(path, **kwargs)
        assert response.status_code == expect, (path, response.status_code, response.location)
        return response

    def text(self, path, **kwargs) -> str:
        return self.get(path, **kwargs).get_data(as_text=True)

    def hidden_fields(self, page_path) -> dict[str, str]:
        """The CSRF token and a fresh form key, as the page at ``page_path`` renders them."""
        return dict(self.FORM_FIELDS.findall(self.text(page_path)))

    def post(self, path, data, *, page=None, expect=302, fields=None, **kwargs):
        """Submit ``data`` to ``path`` with the hidden fields of ``page`` (or ``fields``)."""
        hidden = fields if fields is not None else self.hidden_fields(page or path)
        db.session.commit()
        response = self.client.post(path, data={**hidden, **data}, **kwargs)
        assert response.status_code == expect, (
            path,
            response.status_code,
            response.get_data(as_text=True)[:3000],
        )
        return response


@pytest.fixture
def browse(client):
    def as_(staff: Staff) -> Browser:
        return Browser(client, staff)

    return as_
