"""Fixtures for the awards tests: a village with an admin, a second admin, a leader, households
and a small rule catalogue built through the service (the catalogue API has its own tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from pointsmart.awards import rules as rule_service
from pointsmart.database import utcnow
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
    return make.household(village, head_name="王建国")


@pytest.fixture
def neighbour(make, village):
    return make.household(village, head_name="李秀英")


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


@pytest.fixture
def clock(monkeypatch):
    """Move the awards' idea of "now" (village days, board days) by whole days."""

    def move(days: int) -> None:
        later = utcnow() + dt.timedelta(days=days)
        monkeypatch.setattr(rule_service, "utcnow", lambda: later)

    return move
