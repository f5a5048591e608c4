"""A household of another village is not found in this one, whether it moved away or not:
an award proposed, a red or black list entry, a volunteer's check-in and an objection filed
for it are refused as "no such household in this village" (422 beside ``household_id``),
never with what happened to it there (409 ``account_closed``)."""

from __future__ import annotations

import pytest

from pointsmart.admin.households import mark_moved_away
from pointsmart.board import entries as board
from pointsmart.extensions import db
from tests.activities.test_api import activity  # noqa: F401 - a fixture
from tests.factories import ROOT


@pytest.fixture(params=["active", "moved away"])
def strangers(request, make):
    """A household of another village, as it is there."""
    elsewhere = make.village(name="别的村")
    stranger = make.household(elsewhere, number="B-1")
    if request.param == "moved away":
        mark_moved_away(ROOT, stranger.id)
    db.session.flush()
    return stranger


def assert_not_found_here(refused: dict) -> None:
    assert refused["code"] == "validation_failed"
    assert list(refused["errors"]) == ["household_id"]


def test_an_award_proposed_for_it(api, village, admin, catalogue, strangers):
    body = {"household_id": strangers.id, "rule_id": catalogue.filial.id, "quantity": 1}

    refused = api.post(f"/villages/{village.id}/approvals", json=body, as_=admin, expect=422)

    assert_not_found_here(refused)


def test_a_board_entry_for_it(api, village, leader, catalogue, strangers):
    body = {"household_id": strangers.id, "rule_id": catalogue.clutter.id, "reason": "乱堆柴草"}

    refused = api.post(
        f"/villages/{village.id}/board-entries", json=body, as_=leader, key=True, expect=422
    )

    assert_not_found_here(refused)


def test_a_check_in_for_it(api, leader, activity, strangers):  # noqa: F811
    refused = api.post(
        f"/activities/{activity['id']}/checkins",
        json={"household_id": strangers.id},
        as_=leader,
        expect=422,
    )

    assert_not_found_here(refused)


def test_an_objection_filed_for_it(api, village, household, leader, admin, catalogue, strangers):
    entry = board.create_entry(
        leader.principal, household_id=household.id, rule_id=catalogue.clutter.id,
        reason="乱堆柴草",
    ).extra["entry"]  # fmt: skip

    refused = api.post(
        f"/board-entries/{entry.id}/objections",
        json={"reason": "处罚过重", "household_id": strangers.id},
        as_=admin,
        expect=422,
    )

    assert_not_found_here(refused)
