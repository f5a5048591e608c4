"""Corrections: an admin reverses any transfer with a reason; a leader reverses their own entry
on the day they made it; every transfer says who posted it."""

from pointsmart.admin.households import mark_moved_away
from tests.awards.conftest import by_rule, standing
from tests.factories import ROOT


def test_a_leader_reverses_their_own_entry_the_same_day(api, household, leader, catalogue):
    posted = api.post(
        "/transfers", json=by_rule(household, catalogue.sorting), as_=leader, key=True
    )

    reversal = api.post(
        f"/transfers/{posted['id']}/reversal", json={"reason": "录错户"}, as_=leader, key=True
    )

    assert (reversal["reverses_id"], reversal["amount"]) == (posted["id"], -5)
    assert reversal["posted_by_id"] == leader.user_id
    assert reversal["rule_version_id"] == posted["rule_version_id"]
    assert reversal["rule_id"] == catalogue.sorting.id
    assert reversal["memo"] == "录错户"
    assert api.get(f"/households/{household.id}", as_=leader)["balance"] == 0


def test_a_leader_may_not_reverse_their_entry_on_a_later_day(
    api, household, leader, admin, catalogue, clock
):
    posted = api.post(
        "/transfers", json=by_rule(household, catalogue.sorting), as_=leader, key=True
    )
    clock(1)
    before = standing(api, admin, household)

    refused = api.post(
        f"/transfers/{posted['id']}/reversal", json={"reason": "录错户"}, as_=leader, key=True,
        expect=409,
    )  # fmt: skip

    assert refused["code"] == "correction_window_closed"
    assert standing(api, admin, household) == before
    api.post(f"/transfers/{posted['id']}/reversal", json={"reason": "录错户"}, as_=admin, key=True)


def test_a_leader_may_not_reverse_someone_elses_entry(
    api, make, village, household, leader, catalogue
):
    colleague = make.staff("leader", village)
    posted = api.post(
        "/transfers", json=by_rule(household, catalogue.sorting), as_=colleague, key=True
    )

    refused = api.post(
        f"/transfers/{posted['id']}/reversal", json={"reason": "x"}, as_=leader, key=True,
        expect=403,
    )  # fmt: skip

    assert refused["code"] == "forbidden"


def test_an_admin_reverses_any_entry_with_a_reason(api, household, leader, admin, catalogue, clock):
    posted = api.post(
        "/transfers", json=by_rule(household, catalogue.burning), as_=leader, key=True
    )
    clock(40)

    reversal = api.post(
        f"/transfers/{posted['id']}/reversal", json={"reason": "经核实不属实"}, as_=admin, key=True
    )

    assert (reversal["amount"], reversal["posted_by_id"]) == (30, admin.user_id)


def test_every_transfer_in_the_history_says_who_posted_it(api, household, leader, admin, catalogue):
    api.post("/transfers", json=by_rule(household, catalogue.sorting), as_=leader, key=True)
    api.post("/transfers", json=by_rule(household, catalogue.filial), as_=admin, key=True)

    history = api.get(f"/households/{household.id}/transfers", as_=admin)["items"]

    assert [t["posted_by_id"] for t in history] == [admin.user_id, leader.user_id]


def test_sales_and_settlements_are_not_reversed_here_but_voided_at_the_counter(api, make):
    from pointsmart.ledger import service as ledger

    village = make.village()
    household = make.household(village)
    shop = make.shop(village)
    admin = make.staff("admin", village)
    make.award(household, 20)
    sale = ledger.redeem(village.id, household.id, shop.id, 5)
    settlement = ledger.settle(village.id, shop.id, 5, period="2026-01")

    for transfer in (sale, settlement):
        refused = api.post(
            f"/transfers/{transfer.id}/reversal",
            as_=admin,
            key=True,
            json={"reason": "退货"},
            expect=409,
        )
        assert refused["code"] == "use_void"
    balance = api.get(f"/households/{household.id}", as_=admin)["balance"]
    assert balance == 15


def test_a_leader_enters_points_for_this_month_or_last_but_not_older(api, make):
    from pointsmart.periods import current_period, previous_periods

    village = make.village()
    household = make.household(village)
    leader = make.staff("leader", village)
    admin = make.staff("admin", village)
    this_month, last_month = current_period("Asia/Shanghai"), None
    older, last_month = previous_periods(this_month, 3)[0], previous_periods(this_month, 2)[0]

    def award(as_, period, expect):
        body = {
            "household_id": household.id,
            "kind": "award",
            "points": 2,
            "category": "red",
            "period": period,
        }
        return api.post("/transfers", as_=as_, key=True, json=body, expect=expect)

    award(leader, this_month, 201)
    award(leader, last_month, 201)
    refused = award(leader, older, 422)
    assert "period" in refused["errors"]
    award(admin, older, 201)  # the committee may correct an older month


def test_an_entry_of_a_household_that_moved_away_is_not_reversed(
    api, household, leader, admin, catalogue
):
    # Issue 15, item 4: the household left with 0 points; reversing its deduction would put
    # 10 points into its closed account, reversing its award would leave a debt there.
    award = api.post("/transfers", json=by_rule(household, catalogue.filial), as_=leader, key=True)
    deduction = api.post(
        "/transfers", json=by_rule(household, catalogue.clutter), as_=leader, key=True
    )
    api.post(
        "/transfers", json={"household_id": household.id, "kind": "deduct", "points": 20,
                            "category": "other", "memo": "清零"}, as_=admin, key=True,
    )  # fmt: skip
    mark_moved_away(ROOT, household.id)
    before = standing(api, admin, household)

    for entry in (award, deduction):
        refused = api.post(
            f"/transfers/{entry['id']}/reversal", json={"reason": "记错了"}, as_=admin,
            key=True, expect=409,
        )  # fmt: skip
        assert refused["code"] == "reversal_account_closed"

    assert standing(api, admin, household) == before
    assert before[0] == 0
