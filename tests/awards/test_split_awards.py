"""Splitting an award under the approval threshold (issue 15, item 4).

With a threshold of 100 one award of 500 waits for an admin; ten awards of 50 by the same
leader to the same household on the same day must not all post: a person's awards to a
household over the day (village time, reversed ones left out) count against the threshold,
and the award that would go over it waits like a big one.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointsmart.awards import service
from pointsmart.awards.models import Approval
from pointsmart.extensions import db
from pointsmart.ledger.models import AWARD, Account, Transfer
from pointsmart.ledger.verify import verify_village
from tests.awards.conftest import by_rule, standing


def adhoc(household, points, kind="award", category="other"):
    return {"household_id": household.id, "kind": kind, "points": points, "category": category}


@pytest.fixture
def threshold_100(village):
    village.approval_threshold = 100
    db.session.flush()
    return village


def test_ten_awards_of_50_in_a_day_post_up_to_the_threshold_and_the_rest_wait(
    api, threshold_100, household, leader, admin
):
    codes = []
    for attempt in range(10):
        expect = 201 if attempt < 2 else 409
        answer = api.post(
            "/transfers", json=adhoc(household, 50), as_=leader, key=True, expect=expect
        )
        codes.append(answer.get("code"))

    assert codes == [None, None] + ["approval_required"] * 8
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == 100
    waiting = api.get(f"/villages/{household.village_id}/approvals?status=pending", as_=admin)
    assert [item["points"] for item in waiting["items"]] == [50] * 8


def test_awards_by_rule_count_with_ad_hoc_ones_and_the_preview_says_it_will_wait(
    api, threshold_100, household, leader, admin, catalogue
):
    api.post("/transfers", json=adhoc(household, 80), as_=leader, key=True)

    preview = api.get(
        f"/transfers/preview?household_id={household.id}&rule_id={catalogue.filial.id}&quantity=1",
        as_=leader,
    )
    assert preview["needs_approval"] is True
    before = standing(api, admin, household)
    refused = api.post(
        "/transfers", json=by_rule(household, catalogue.filial), as_=leader, key=True,
        expect=409,
    )  # fmt: skip
    assert refused["code"] == "approval_required"
    assert standing(api, admin, household) == before


def test_a_red_list_entry_counts_too(api, threshold_100, household, leader, admin, catalogue):
    api.post("/transfers", json=adhoc(household, 80), as_=leader, key=True)

    refused = api.post(
        f"/villages/{household.village_id}/board-entries",
        json={"household_id": household.id, "rule_id": catalogue.filial.id, "reason": "照顾老人"},
        as_=leader,
        key=True,
        expect=409,
    )

    assert refused["code"] == "approval_required"
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == 80


def test_only_the_same_persons_awards_to_the_same_household_that_day_count(
    make, api, threshold_100, household, neighbour, leader, admin, clock
):
    other_leader = make.staff("leader", threshold_100)
    api.post("/transfers", json=adhoc(household, 90), as_=leader, key=True)

    # Another leader, another household, a deduction: none of them waits.
    api.post("/transfers", json=adhoc(household, 90), as_=other_leader, key=True)
    api.post("/transfers", json=adhoc(neighbour, 90), as_=leader, key=True)
    api.post(
        "/transfers", json=adhoc(household, 30, kind="deduct", category="black"), as_=leader,
        key=True,
    )  # fmt: skip
    # A reversed award no longer counts.
    reversible = api.post("/transfers", json=adhoc(household, 10), as_=leader, key=True)
    refused = api.post("/transfers", json=adhoc(household, 10), as_=leader, key=True, expect=409)
    assert refused["code"] == "approval_required"
    api.post(
        f"/transfers/{reversible['id']}/reversal", json={"reason": "记错了"}, as_=leader, key=True
    )
    api.post("/transfers", json=adhoc(household, 10), as_=leader, key=True)

    # The next day (village time) starts afresh.
    clock(1)
    api.post("/transfers", json=adhoc(household, 100), as_=leader, key=True)


def test_an_admins_approval_posts_without_counting_against_the_proposer(
    api, threshold_100, household, leader, admin
):
    api.post("/transfers", json=adhoc(household, 100), as_=leader, key=True)
    waiting = api.post("/transfers", json=adhoc(household, 50), as_=leader, key=True, expect=409)

    decided = api.post(
        f"/approvals/{waiting['approval_id']}/decision", json={"approve": True}, as_=admin,
        key=True, expect=200,
    )  # fmt: skip

    assert decided["status"] == "approved"
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == 150


# --- property ------------------------------------------------------------------------------

steps = st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 1), st.integers(1, 120), st.booleans()),
    min_size=1,
    max_size=20,
)


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_no_one_posts_more_than_the_threshold_to_a_household_in_a_day(make, steps):
    savepoint = db.session.begin_nested()
    try:
        village = make.village()
        village.approval_threshold = 100
        households = [make.household(village) for _ in range(2)]
        leaders = [make.staff("leader", village).principal for _ in range(2)]
        posted: dict[tuple[int, int], int] = {}
        awards = 0
        for who, whom, points, is_award in steps:
            outcome = service.post_adhoc(
                leaders[who],
                household_id=households[whom].id,
                kind="award" if is_award else "deduct",
                points=points,
                category="other" if is_award else "black",
            )
            key = (who, whom)
            awards += is_award
            if not is_award:
                assert outcome.transfer is not None  # a deduction never waits
            elif outcome.transfer is not None:
                posted[key] = posted.get(key, 0) + points
                assert posted[key] <= 100
            else:
                # What waits is exactly what would have gone over.
                assert posted.get(key, 0) + points > 100
        totals = db.session.execute(
            sa.select(sa.func.sum(Transfer.amount))
            .where(Transfer.village_id == village.id, Transfer.kind == AWARD)
            .group_by(Transfer.posted_by_id, Transfer.household_id)
        ).scalars()
        assert all(total <= 100 for total in totals)
        waiting = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Approval)
            .where(Approval.village_id == village.id)
        ).scalar_one()
        posted_count = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Transfer)
            .where(Transfer.village_id == village.id, Transfer.kind == AWARD)
        ).scalar_one()
        assert waiting + posted_count == awards
        balances = db.session.execute(
            sa.select(sa.func.sum(Account.balance)).where(Account.village_id == village.id)
        ).scalar_one()
        assert balances == 0
        report = verify_village(village.id)
        assert report.ok, report.problems
    finally:
        savepoint.rollback()


def test_awards_an_admin_approved_do_not_count_against_the_admins_own(
    api, threshold_100, household, leader, admin
):
    waiting = api.post("/transfers", json=adhoc(household, 150), as_=leader, key=True, expect=409)
    api.post(
        f"/approvals/{waiting['approval_id']}/decision", json={"approve": True}, as_=admin,
        key=True, expect=200,
    )  # fmt: skip

    # The approved 150 was posted by the admin but judged already: the admin's own 50 posts.
    api.post("/transfers", json=adhoc(household, 50), as_=admin, key=True)

    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == 200
