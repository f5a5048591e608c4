"""The approval flow end to end, and the leader's monthly quota.

An award above the village's threshold is proposed and waits (409 approval_required naming the
approval); an admin sees it in the queue and approves it (posted) or rejects it (nothing
posted); nobody decides their own proposal; a decision is final.
"""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointsmart.awards import approvals, service
from pointsmart.awards.errors import MonthlyCapReached
from pointsmart.awards.limits import rule_usage
from pointsmart.awards.models import PENDING, Approval
from pointsmart.extensions import db
from pointsmart.ledger.models import Account
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import current_period
from pointsmart.rules import catalogue as rule_service
from pointsmart.villages.models import Village
from tests.awards.conftest import add_rule, by_rule, standing
from tests.factories import ROOT


def propose(api, staff, household, rule, **fields):
    """Award above the threshold: the answer is 409 and names the approval."""
    refused = api.post(
        "/transfers", json=by_rule(household, rule, **fields), as_=staff, key=True, expect=409
    )
    assert refused["code"] == "approval_required"
    return refused


def test_a_big_award_waits_for_approval_and_is_posted_when_approved(
    api, household, leader, admin, catalogue
):
    before = standing(api, admin, household)

    waiting = propose(api, leader, household, catalogue.good_daughter, memo="好媳妇 年度评选")

    approval = waiting["approval"]
    assert waiting["approval_id"] == approval["id"]
    assert approval["status"] == "pending"
    assert (approval["points"], approval["category"], approval["memo"]) == (
        60,
        "red",
        "好媳妇 年度评选",
    )
    assert approval["rule_id"] == catalogue.good_daughter.id
    assert approval["proposed_by_id"] == leader.user_id
    assert standing(api, admin, household) == before  # nothing posted yet

    queue = api.get(f"/villages/{household.village_id}/approvals?status=pending", as_=admin)
    assert [item["id"] for item in queue["items"]] == [approval["id"]]

    decided = api.post(
        f"/approvals/{approval['id']}/decision", json={"approve": True}, as_=admin, key=True,
        expect=200,
    )  # fmt: skip

    assert decided["status"] == "approved"
    assert decided["decided_by_id"] == admin.user_id
    assert decided["transfer_id"] is not None
    history = api.get(f"/households/{household.id}/transfers", as_=admin)["items"]
    assert history[0]["id"] == decided["transfer_id"]
    assert (history[0]["amount"], history[0]["posted_by_id"]) == (60, admin.user_id)
    assert history[0]["rule_version_id"] == catalogue.good_daughter.version_id
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == 60
    assert (
        api.get(f"/villages/{household.village_id}/approvals?status=pending", as_=admin)["items"]
        == []
    )


def test_a_rejected_award_posts_nothing_and_keeps_the_reason(
    api, household, leader, admin, catalogue
):
    before = standing(api, admin, household)
    approval = propose(api, leader, household, catalogue.good_daughter)["approval"]

    decided = api.post(
        f"/approvals/{approval['id']}/decision",
        json={"approve": False, "reason": "材料不全"},
        as_=admin,
        key=True,
        expect=200,
    )

    assert (decided["status"], decided["decision_reason"]) == ("rejected", "材料不全")
    assert decided["transfer_id"] is None
    assert standing(api, admin, household) == before


def test_a_rejection_needs_a_reason(api, household, leader, admin, catalogue):
    approval = propose(api, leader, household, catalogue.good_daughter)["approval"]

    refused = api.post(
        f"/approvals/{approval['id']}/decision", json={"approve": False}, as_=admin, key=True,
        expect=422,
    )  # fmt: skip

    assert "reason" in refused["errors"]


def test_nobody_approves_their_own_proposal(api, household, admin, second_admin, catalogue):
    approval = propose(api, admin, household, catalogue.good_daughter)["approval"]
    before = standing(api, admin, household)

    refused = api.post(
        f"/approvals/{approval['id']}/decision", json={"approve": True}, as_=admin, key=True,
        expect=403,
    )  # fmt: skip

    assert refused["code"] == "self_approval"
    assert standing(api, admin, household) == before
    api.post(
        f"/approvals/{approval['id']}/decision", json={"approve": True}, as_=second_admin,
        key=True, expect=200,
    )  # fmt: skip
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == 60


@pytest.mark.parametrize("who", ["leader", "admin of another village", "shopkeeper"])
def test_only_an_admin_of_the_village_decides(api, make, village, household, admin, catalogue, who):
    staff = {
        "leader": lambda: make.staff("leader", village),
        "admin of another village": lambda: make.staff("admin", make.village()),
        "shopkeeper": lambda: make.staff("shopkeeper", village, make.shop(village)),
    }[who]()
    approval = propose(api, admin, household, catalogue.good_daughter)["approval"]

    refused = api.post(
        f"/approvals/{approval['id']}/decision", json={"approve": True}, as_=staff, key=True,
        expect=403,
    )  # fmt: skip

    assert refused["code"] == "forbidden"


def test_a_decision_is_final(api, household, leader, admin, second_admin, catalogue):
    approval = propose(api, leader, household, catalogue.good_daughter)["approval"]
    path = f"/approvals/{approval['id']}/decision"
    api.post(path, json={"approve": True}, as_=admin, key=True, expect=200)

    again = api.post(path, json={"approve": True}, as_=second_admin, key=True, expect=409)
    undo = api.post(
        path, json={"approve": False, "reason": "x"}, as_=second_admin, key=True, expect=409
    )

    assert again["code"] == undo["code"] == "already_decided"
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == 60


def test_a_retried_proposal_names_the_same_approval(api, household, leader, admin, catalogue):
    body = by_rule(household, catalogue.good_daughter)

    first = api.request("POST", "/transfers", json=body, as_=leader, key="big-1", expect=409)
    again = api.request("POST", "/transfers", json=body, as_=leader, key="big-1", expect=409)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["approval_id"] == first.get_json()["approval_id"]
    queue = api.get(f"/villages/{household.village_id}/approvals", as_=admin)["items"]
    assert len(queue) == 1


def test_an_ad_hoc_award_above_the_threshold_waits_too(api, household, leader, admin):
    body = {"household_id": household.id, "kind": "award", "points": 51, "category": "red"}

    waiting = api.post("/transfers", json=body, as_=leader, key=True, expect=409)

    assert waiting["code"] == "approval_required"
    assert waiting["approval"]["rule_id"] is None
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == 0


def test_an_award_at_the_threshold_and_any_deduction_post_at_once(api, make, household, leader):
    at = {"household_id": household.id, "kind": "award", "points": 50, "category": "red"}
    big_deduction = {**at, "kind": "deduct", "points": 80, "category": "black"}

    assert api.post("/transfers", json=at, as_=leader, key=True)["amount"] == 50
    assert api.post("/transfers", json=big_deduction, as_=leader, key=True)["amount"] == -80


def test_approving_checks_the_monthly_cap_again(api, village, household, leader, admin, catalogue):
    capped = api.post(
        f"/villages/{village.id}/rules",
        json={"code": "hpp", "name": "好婆婆", "category": "red", "points": 60, "monthly_cap": 60},
        as_=admin,
    )
    first = propose(api, leader, household, SimpleNamespace(id=capped["id"]))["approval"]
    second = propose(api, leader, household, SimpleNamespace(id=capped["id"]))["approval"]
    api.post(
        f"/approvals/{first['id']}/decision",
        json={"approve": True},
        as_=admin,
        key=True,
        expect=200,
    )

    refused = api.post(
        f"/approvals/{second['id']}/decision", json={"approve": True}, as_=admin, key=True,
        expect=409,
    )  # fmt: skip

    assert (refused["code"], refused["remaining"]) == ("monthly_cap_reached", 0)
    assert api.get(f"/approvals/{second['id']}", as_=admin)["status"] == "pending"


def decide(api, admin, approval, expect=200, **body):
    return api.post(
        f"/approvals/{approval['id']}/decision", json={"approve": True, **body}, as_=admin,
        key=True, expect=expect,
    )  # fmt: skip


def test_approving_holds_the_award_to_the_cap_the_rule_has_now(
    api, household, leader, admin, second_admin, catalogue
):
    """Regression: a proposal by 好媳妇 (no cap) waited while the committee capped the rule at
    60 a month; another 60 was approved under the new cap, and approving the first one then
    posted it too: 120 points from a rule capped at 60."""
    rule = catalogue.good_daughter
    first = propose(api, leader, household, rule)["approval"]
    api.request("PATCH", f"/rules/{rule.id}", json={"monthly_cap": 60}, as_=admin, expect=200)
    second = propose(api, leader, household, rule)["approval"]
    decide(api, admin, second)
    before = standing(api, admin, household)

    refused = decide(api, second_admin, first, expect=409)

    assert (refused["code"], refused["remaining"], refused["monthly_cap"]) == (
        "monthly_cap_reached",
        0,
        60,
    )
    assert standing(api, admin, household) == before
    assert api.get(f"/approvals/{first['id']}", as_=admin)["status"] == "pending"


def test_a_waiting_award_by_a_rule_retired_since_is_not_approved(
    api, household, leader, admin, catalogue
):
    """Regression: retiring a rule stops every new entry by it, but an award by it that was
    waiting for approval still posted when approved."""
    waiting = propose(api, leader, household, catalogue.good_daughter)["approval"]
    api.request(
        "PATCH", f"/rules/{catalogue.good_daughter.id}", json={"active": False}, as_=admin,
        expect=200,
    )  # fmt: skip
    before = standing(api, admin, household)

    refused = decide(api, admin, waiting, expect=409)

    assert refused["code"] == "rule_inactive"
    assert standing(api, admin, household) == before
    assert api.get(f"/approvals/{waiting['id']}", as_=admin)["status"] == "pending"
    rejected = decide(api, admin, waiting, approve=False, reason="细则已停用")
    assert rejected["status"] == "rejected"


# (propose 20 x quantity | change the cap, None: no cap | approve | reverse), by index
approval_steps = st.lists(
    st.one_of(
        st.tuples(st.just("propose"), st.integers(1, 3)),
        st.tuples(st.just("cap"), st.sampled_from([None, 20, 40, 60, 100])),
        st.tuples(st.just("approve"), st.integers(0, 9)),
        st.tuples(st.just("reverse"), st.integers(0, 9)),
    ),
    min_size=1,
    max_size=16,
)


@pytest.mark.slow
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=approval_steps)
def test_an_approved_award_never_takes_a_household_over_the_cap_in_force(make, steps):
    """Whatever the committee does to a rule's cap while awards wait, approving one posts it
    only if, with what the household already has from the rule this month, it stays within
    the cap in force now; a refused approval posts nothing and still waits."""
    savepoint = db.session.begin_nested()
    try:
        village = make.village()
        household = make.household(village)
        leader = make.staff("leader", village).principal
        admin = make.staff("admin", village).principal
        rule = add_rule(village, "hpp", "好婆婆", "red", 20, cap=40)
        cap = 40
        waiting: list[int] = []
        posted: list[int] = []
        period = current_period(village.timezone)
        for step, value in steps:
            used = rule_usage(rule.id, period, [household.id]).get(household.id, 0)
            if step == "propose":
                try:
                    waiting.append(
                        approvals.propose(
                            leader, village.id, household_id=household.id, rule_id=rule.id,
                            quantity=value,
                        ).id
                    )  # fmt: skip
                except MonthlyCapReached:
                    assert cap is not None
                    assert used + 20 * value > cap
            elif step == "cap":
                rule_service.change_rule(ROOT, rule.id, monthly_cap=value, clear_cap=value is None)
                cap = value
            elif step == "approve" and waiting:
                approval = db.session.get(Approval, waiting[value % len(waiting)])
                try:
                    approvals.decide(admin, approval.id, approve=True)
                except MonthlyCapReached:
                    assert cap is not None
                    assert used + approval.points > cap
                    assert approval.status == PENDING
                    assert rule_usage(rule.id, period, [household.id]).get(household.id, 0) == used
                else:
                    waiting.remove(approval.id)
                    posted.append(approval.transfer_id)
                    after = rule_usage(rule.id, period, [household.id])[household.id]
                    assert after == used + approval.points
                    assert cap is None or after <= cap
            elif step == "reverse" and posted:
                service.reverse_entry(admin, posted.pop(value % len(posted)), reason="更正")
        balances = db.session.execute(
            sa.select(sa.func.sum(Account.balance)).where(Account.village_id == village.id)
        ).scalar_one()
        assert balances == 0
        report = verify_village(village.id)
        assert report.ok, report.problems
    finally:
        savepoint.rollback()
        db.session.expunge_all()  # the next example's rows reuse these ids


def test_a_leader_sees_only_their_own_proposals(
    api, make, village, household, leader, admin, catalogue
):
    other_leader = make.staff("leader", village)
    mine = propose(api, leader, household, catalogue.good_daughter)["approval"]
    propose(api, other_leader, household, catalogue.good_daughter)

    listed = api.get(f"/villages/{village.id}/approvals", as_=leader)["items"]

    assert [a["id"] for a in listed] == [mine["id"]]
    assert len(api.get(f"/villages/{village.id}/approvals", as_=admin)["items"]) == 2


def test_an_award_may_be_queued_on_purpose_whatever_its_size(
    api, village, household, admin, second_admin, catalogue
):
    queued = api.post(
        f"/villages/{village.id}/approvals",
        json={"household_id": household.id, "rule_id": catalogue.filial.id, "quantity": 1},
        as_=admin,
    )

    assert (queued["status"], queued["points"]) == ("pending", 30)
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == 0
    api.post(
        f"/approvals/{queued['id']}/decision",
        json={"approve": True},
        as_=second_admin,
        key=True,
        expect=200,
    )
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == 30


def test_an_ad_hoc_award_may_be_queued_and_a_quantity_without_a_rule_is_refused(
    api, village, household, admin
):
    """Regression (found by tests/security): an ad hoc proposal answered 500."""
    body = {"household_id": household.id, "points": 7, "category": "other", "memo": "修路"}

    queued = api.post(f"/villages/{village.id}/approvals", json=body, as_=admin)
    refused = api.post(
        f"/villages/{village.id}/approvals", json={**body, "hours": 2}, as_=admin, expect=422
    )

    assert (queued["status"], queued["points"], queued["rule_id"]) == ("pending", 7, None)
    assert "quantity" in refused["errors"]


def test_a_leader_proposes_only_for_the_months_a_leader_may_enter(
    api, village, household, leader, admin, catalogue
):
    """Regression: a proposal took any ``period`` from a leader (2021-01, or last month after
    its 公示 sheet was printed), to be posted there on approval, though an award that waits
    for approval is refused those months. An admin may still propose for them."""
    from pointsmart.periods import current_period, previous_periods
    from pointsmart.reports.sheet import mark_printed

    older, last_month = previous_periods(current_period(village.timezone), 3)[:2]
    mark_printed(village.id, last_month)
    body = {"household_id": household.id, "rule_id": catalogue.filial.id, "quantity": 1}

    for period in (older, last_month):
        refused = api.post(
            f"/villages/{village.id}/approvals", json={**body, "period": period}, as_=leader,
            expect=422,
        )  # fmt: skip
        assert list(refused["errors"]) == ["period"]
    assert api.get(f"/villages/{village.id}/approvals", as_=admin)["items"] == []
    queued = api.post(
        f"/villages/{village.id}/approvals", json={**body, "period": older}, as_=admin
    )
    assert queued["period"] == older


@pytest.mark.parametrize("extra", [{"points": 500}, {"category": "black"}])
def test_a_proposal_by_rule_refuses_points_or_a_category_as_an_award_does(
    api, village, household, leader, admin, catalogue, extra
):
    """Regression: a proposal by rule with points (or a category) of its own was queued with
    the rule's points, the sent ones dropped without a word: 500 asked, 30 queued."""
    body = {"household_id": household.id, "rule_id": catalogue.filial.id, "quantity": 1}

    refused = api.post(
        f"/villages/{village.id}/approvals", json={**body, **extra}, as_=leader, expect=422
    )

    assert list(refused["errors"]) == list(extra)
    assert api.get(f"/villages/{village.id}/approvals", as_=admin)["items"] == []


def test_a_proposals_memo_is_checked_as_an_awards_is(api, village, household, admin):
    body = {"household_id": household.id, "points": 7, "category": "other", "memo": "修\x07路"}

    refused = api.post(f"/villages/{village.id}/approvals", json=body, as_=admin, expect=422)

    assert list(refused["errors"]) == ["memo"]
    assert api.get(f"/villages/{village.id}/approvals", as_=admin)["items"] == []


def test_the_threshold_is_the_villages_setting(api, village, household, leader, admin, catalogue):
    api.request(
        "PATCH", f"/villages/{village.id}/award-settings", json={"approval_threshold": 100},
        as_=admin, expect=200,
    )  # fmt: skip

    posted = api.post(
        "/transfers", json=by_rule(household, catalogue.good_daughter), as_=leader, key=True
    )

    assert posted["amount"] == 60


# --- the leader's monthly quota --------------------------------------------------------------


@pytest.fixture
def quota(village):
    db.session.get(Village, village.id).leader_monthly_quota = 40
    db.session.flush()


def test_a_leader_quota_refuses_what_would_go_over_and_says_what_remains(
    api, household, neighbour, leader, admin, catalogue, quota
):
    api.post("/transfers", json=by_rule(household, catalogue.filial), as_=leader, key=True)
    before = standing(api, admin, neighbour)

    refused = api.post(
        "/transfers", json=by_rule(neighbour, catalogue.filial), as_=leader, key=True, expect=409
    )

    assert refused["code"] == "leader_quota_reached"
    assert (refused["remaining"], refused["quota"]) == (10, 40)
    assert standing(api, admin, neighbour) == before
    assert (
        api.post("/transfers", json=by_rule(neighbour, catalogue.tidy), as_=leader, key=True)[
            "amount"
        ]
        == 10
    )


def test_a_quota_binds_leaders_not_admins_and_not_deductions(
    api, household, neighbour, leader, admin, catalogue, quota
):
    api.post("/transfers", json=by_rule(household, catalogue.filial), as_=admin, key=True)
    api.post("/transfers", json=by_rule(neighbour, catalogue.filial), as_=admin, key=True)
    api.post("/transfers", json=by_rule(household, catalogue.burning), as_=leader, key=True)

    mine = api.get(f"/villages/{household.village_id}/my-entries", as_=leader)

    assert (mine["quota"], mine["quota_remaining"]) == (40, 40)
    assert [t["amount"] for t in mine["items"]] == [-30]


def test_reversed_awards_give_the_quota_back(api, household, leader, catalogue, quota):
    first = api.post("/transfers", json=by_rule(household, catalogue.filial), as_=leader, key=True)
    api.post(f"/transfers/{first['id']}/reversal", json={"reason": "录错"}, as_=leader, key=True)

    again = api.post("/transfers", json=by_rule(household, catalogue.filial), as_=leader, key=True)

    assert again["amount"] == 30


def test_an_admin_sets_the_quota_and_a_leader_cannot(api, village, leader, admin):
    api.request(
        "PATCH", f"/villages/{village.id}/award-settings", json={"leader_monthly_quota": 200},
        as_=leader, expect=403,
    )  # fmt: skip
    changed = api.request(
        "PATCH", f"/villages/{village.id}/award-settings",
        json={"leader_monthly_quota": 200, "black_board_days": 14}, as_=admin, expect=200,
    ).get_json()  # fmt: skip
    cleared = api.request(
        "PATCH", f"/villages/{village.id}/award-settings", json={"leader_monthly_quota": None},
        as_=admin, expect=200,
    ).get_json()  # fmt: skip

    assert (changed["leader_monthly_quota"], changed["black_board_days"]) == (200, 14)
    assert cleared["leader_monthly_quota"] is None
    assert api.get(f"/villages/{village.id}/award-settings", as_=leader)["red_board_days"] == 30
