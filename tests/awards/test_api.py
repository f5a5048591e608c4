"""Awarding, deducting and reversing through the API, with idempotency keys."""

import re

import pytest

from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.periods import current_period

REPLAYED = "Idempotent-Replayed"


def entry(household, points=5, kind="award", category="volunteer", **fields) -> dict:
    return {
        "household_id": household.id,
        "kind": kind,
        "points": points,
        "category": category,
        **fields,
    }


def standing(api, staff, household) -> tuple:
    """What a refused request must leave alone: balance, this month's figures and history."""
    shown = api.get(f"/households/{household.id}", as_=staff)
    history = api.get(f"/households/{household.id}/transfers", as_=staff)
    return shown["balance"], shown["month"], [t["id"] for t in history["items"]]


@pytest.fixture
def village(make):
    return make.village()


@pytest.fixture
def household(make, village):
    return make.household(village)


@pytest.fixture
def admin(make, village):
    return make.staff("admin", village)


@pytest.fixture
def leader(make, village):
    return make.staff("leader", village)


# --- awarding and deducting ------------------------------------------------------------------


def test_a_leader_awards_points_to_a_household(api, village, household, leader):
    posted = api.post(
        "/transfers", json=entry(household, 12, memo="清扫村道 2 小时"), as_=leader, key=True
    )

    assert posted["household_id"] == household.id
    assert posted["village_id"] == village.id
    assert (posted["amount"], posted["kind"], posted["category"]) == (12, "award", "volunteer")
    assert posted["memo"] == "清扫村道 2 小时"
    assert posted["period"] == current_period(village.timezone)
    assert posted["balance_after"] == 12
    assert posted["posted_by_id"] == leader.user_id
    assert posted["reverses_id"] is None
    assert posted["reversed_by_id"] is None
    assert re.fullmatch(r"[0-9a-f]{64}", posted["hash"])
    shown = api.get(f"/households/{household.id}", as_=leader)
    assert shown["balance"] == 12
    assert shown["month"]["earned"] == 12


def test_an_admin_deducts_points_even_below_zero(api, make, household, admin):
    make.award(household, 5)

    posted = api.post(
        "/transfers",
        json=entry(household, 8, kind="deduct", category="black", memo="焚烧秸秆"),
        as_=admin,
        key=True,
    )

    assert (posted["amount"], posted["kind"], posted["balance_after"]) == (-8, "deduct", -3)
    shown = api.get(f"/households/{household.id}", as_=admin)
    assert shown["balance"] == -3
    assert (shown["month"]["earned"], shown["month"]["deducted"]) == (5, 8)


def test_an_award_may_count_for_last_month(api, household, leader):
    from pointsmart.periods import current_period, previous_periods

    last_month = previous_periods(current_period("Asia/Shanghai"), 2)[0]
    posted = api.post(
        "/transfers", json=entry(household, 9, period=last_month), as_=leader, key=True
    )

    assert posted["period"] == last_month
    shown = api.get(f"/households/{household.id}", as_=leader)
    assert shown["balance"] == 9
    assert shown["month"]["earned"] == 0


def test_last_month_is_closed_to_leaders_once_its_notice_sheet_is_printed(
    api, household, leader, admin
):
    """The printed 公示 sheet is what the village read: a leader's entry for its month would
    make it wrong. The committee may still correct it (and print it again)."""
    from pointsmart.periods import current_period, previous_periods
    from pointsmart.reports.sheet import mark_printed

    last_month = previous_periods(current_period("Asia/Shanghai"), 2)[0]
    mark_printed(household.village_id, last_month)

    refused = api.post(
        "/transfers",
        json=entry(household, 9, period=last_month),
        as_=leader,
        key=True,
        expect=422,
        headers={"Accept-Language": "zh-CN"},
    )
    corrected = api.post(
        "/transfers", json=entry(household, 9, period=last_month), as_=admin, key=True
    )
    this_month = api.post("/transfers", json=entry(household, 9), as_=leader, key=True)

    assert refused["errors"]["period"] == [
        f"{last_month} 的公示表已经打印：请把积分登记在本月，或请村委会更正。"
    ]
    assert corrected["period"] == last_month
    assert this_month["period"] == current_period("Asia/Shanghai")


def test_a_memo_of_500_characters_is_accepted(api, household, leader):
    posted = api.post("/transfers", json=entry(household, memo="好" * 500), as_=leader, key=True)

    assert len(posted["memo"]) == 500


@pytest.mark.parametrize("kind", ["award", "deduct"])
@pytest.mark.parametrize(
    "who", ["shopkeeper", "leader of another village", "admin of another village"]
)
def test_only_leaders_and_admins_of_the_village_award_or_deduct(
    api, make, village, household, admin, who, kind
):
    other = make.village()
    staff = {
        "shopkeeper": lambda: make.staff("shopkeeper", village, make.shop(village)),
        "leader of another village": lambda: make.staff("leader", other),
        "admin of another village": lambda: make.staff("admin", other),
    }[who]()
    make.award(household, 10)
    before = standing(api, admin, household)

    refused = api.post(
        "/transfers", json=entry(household, kind=kind), as_=staff, key=True, expect=403
    )

    assert refused["code"] == "forbidden"
    assert standing(api, admin, household) == before


def test_an_award_for_an_unknown_household_is_not_found(api, make):
    root = make.staff("admin")

    refused = api.post(
        "/transfers",
        json={"household_id": 999999, "kind": "award", "points": 1, "category": "red"},
        as_=root,
        key=True,
        expect=404,
    )

    assert refused["code"] == "not_found"


def test_a_household_that_moved_away_takes_no_more_points(api, make, household, admin):
    make.award(household, 10)
    db.session.get(Household, household.id).status = "moved_away"
    db.session.flush()
    before = standing(api, admin, household)

    refused = api.post("/transfers", json=entry(household), as_=admin, key=True, expect=409)

    assert refused["code"] == "account_closed"
    assert standing(api, admin, household) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"points": 0}, "points"),
        ({"points": -5}, "points"),
        ({"points": 2.5}, "points"),
        ({"points": "5"}, "points"),
        ({"points": True}, "points"),
        ({"points": None}, "points"),
        ({"points": 1_000_001}, "points"),
        ({"points": 10**30}, "points"),
        ({"kind": "gift"}, "kind"),
        ({"kind": "redeem"}, "kind"),
        ({"category": "bribe"}, "category"),
        ({"period": "2999-01"}, "period"),
        ({"period": "2026-13"}, "period"),
        ({"period": "26-01"}, "period"),
        ({"period": "2026-1"}, "period"),
        ({"period": "1999-12"}, "period"),
        ({"memo": "长" * 501}, "memo"),
        ({"memo": "a\x00b"}, "request"),  # NUL is refused at the door (pointsmart.api)
        ({"memo": "a\x07b"}, "memo"),
        ({"memo": "修路\u200b"}, "memo"),  # a zero-width space
        ({"rule": "volunteer-hour"}, "rule"),
        ({"household_id": "one"}, "household_id"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    api, make, household, leader, admin, change, field
):
    make.award(household, 10)
    before = standing(api, admin, household)

    refused = api.post(
        "/transfers", json={**entry(household), **change}, as_=leader, key=True, expect=422
    )

    assert refused["code"] == "validation_failed"
    assert field in refused["errors"]
    assert standing(api, admin, household) == before


@pytest.mark.parametrize("missing", ["household_id", "kind", "points", "category"])
def test_each_required_field_is_named_when_missing(api, household, leader, missing):
    body = entry(household)
    del body[missing]

    refused = api.post("/transfers", json=body, as_=leader, key=True, expect=422)

    assert list(refused["errors"]) == [missing]


def test_malformed_json_is_a_bad_request_and_nothing_is_written(api, household, leader, admin):
    before = standing(api, admin, household)

    refused = api.post(
        "/transfers",
        data='{"household_id": 1, "kind": "award",',
        content_type="application/json",
        as_=leader,
        key=True,
        expect=400,
    )

    assert refused["code"] == "malformed_json"
    assert standing(api, admin, household) == before


# --- idempotency -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "k" * 65])
def test_a_post_needs_an_idempotency_key_of_1_to_64_characters(api, household, leader, admin, key):
    before = standing(api, admin, household)
    headers = {"Idempotency-Key": key} if key is not None else {}

    refused = api.post("/transfers", json=entry(household), as_=leader, headers=headers, expect=400)

    assert refused["code"] == "idempotency_key_required"
    assert standing(api, admin, household) == before


def test_a_key_of_64_characters_is_accepted(api, household, leader):
    posted = api.post("/transfers", json=entry(household, 3), as_=leader, key="k" * 64)

    assert posted["balance_after"] == 3


def test_a_replayed_request_gets_the_first_answer_and_posts_nothing_more(
    api, household, leader, admin
):
    body = entry(household, 7, memo="义务巡逻")

    first = api.request("POST", "/transfers", json=body, as_=leader, key="retry-1", expect=201)
    again = api.request("POST", "/transfers", json=body, as_=leader, key="retry-1", expect=201)

    assert REPLAYED not in first.headers
    assert again.headers[REPLAYED] == "true"
    assert again.get_json() == first.get_json()
    balance, month, history = standing(api, admin, household)
    assert balance == 7
    assert month["earned"] == 7
    assert history == [first.get_json()["id"]]


def test_a_replay_is_recognised_whatever_the_order_of_the_fields(api, household, leader, admin):
    body = entry(household, 7, memo="义务巡逻")
    first = api.post("/transfers", json=body, as_=leader, key="retry-order")

    again = api.request(
        "POST",
        "/transfers",
        json=dict(reversed(list(body.items()))),
        as_=leader,
        key="retry-order",
        expect=201,
    )

    assert again.headers[REPLAYED] == "true"
    assert again.get_json() == first
    assert standing(api, admin, household)[0] == 7


def test_a_key_is_the_users_whichever_token_sends_it(api, household, leader, admin):
    signed_in = api.post(
        "/auth/token", json={"username": leader.username, "password": "correct-horse"}
    )
    body = entry(household, 7)
    first = api.post("/transfers", json=body, as_=leader, key="retry-token")

    again = api.request(
        "POST",
        "/transfers",
        json=body,
        headers={"Authorization": f"Bearer {signed_in['token']}"},
        key="retry-token",
        expect=201,
    )

    assert again.headers[REPLAYED] == "true"
    assert again.get_json() == first
    assert standing(api, admin, household)[0] == 7


def test_a_replay_answers_as_the_first_time_even_after_the_balance_moved(
    api, make, household, leader, admin
):
    body = entry(household, 7)
    first = api.post("/transfers", json=body, as_=leader, key="retry-2")
    make.award(household, 100)

    again = api.request("POST", "/transfers", json=body, as_=leader, key="retry-2", expect=201)

    assert again.get_json() == first
    assert again.get_json()["balance_after"] == 7
    assert standing(api, admin, household)[0] == 107


def test_the_same_key_with_a_different_request_is_refused(api, household, leader, admin):
    api.post("/transfers", json=entry(household, 7), as_=leader, key="retry-3")
    before = standing(api, admin, household)

    refused = api.post(
        "/transfers", json=entry(household, 8), as_=leader, key="retry-3", expect=422
    )

    assert refused["code"] == "idempotency_key_reused"
    assert standing(api, admin, household) == before


def test_a_key_belongs_to_its_user_not_to_one_endpoint(api, make, household, leader, admin):
    transfer = make.award(household, 5)
    api.post("/transfers", json=entry(household, 7), as_=admin, key="shared")
    before = standing(api, admin, household)

    refused = api.post(
        f"/transfers/{transfer.id}/reversal",
        json={"reason": "录错了"},
        as_=admin,
        key="shared",
        expect=422,
    )

    assert refused["code"] == "idempotency_key_reused"
    assert standing(api, admin, household) == before


def test_the_same_key_from_another_user_is_independent(api, household, leader, admin):
    body = entry(household, 7)

    by_leader = api.request("POST", "/transfers", json=body, as_=leader, key="k-1", expect=201)
    by_admin = api.request("POST", "/transfers", json=body, as_=admin, key="k-1", expect=201)

    assert REPLAYED not in by_admin.headers
    assert by_admin.get_json()["id"] != by_leader.get_json()["id"]
    assert by_admin.get_json()["posted_by_id"] == admin.user_id
    assert standing(api, admin, household)[0] == 14


def test_a_refused_request_does_not_use_up_its_key(api, household, leader):
    api.post(
        "/transfers", json=entry(household, period="2999-01"), as_=leader, key="k-2", expect=422
    )

    posted = api.post("/transfers", json=entry(household, 4), as_=leader, key="k-2")
    again = api.request(
        "POST", "/transfers", json=entry(household, 4), as_=leader, key="k-2", expect=201
    )

    assert again.headers[REPLAYED] == "true"
    assert again.get_json() == posted


# --- reversals -------------------------------------------------------------------------------


def test_an_admin_reverses_an_award_with_a_reason(api, household, leader, admin):
    award = api.post("/transfers", json=entry(household, 20), as_=leader, key=True)

    reversal = api.post(
        f"/transfers/{award['id']}/reversal", json={"reason": "重复录入"}, as_=admin, key=True
    )

    assert reversal["reverses_id"] == award["id"]
    assert (reversal["amount"], reversal["kind"], reversal["category"]) == (
        -20,
        "award",
        "volunteer",
    )
    assert reversal["memo"] == "重复录入"
    assert reversal["balance_after"] == 0
    assert reversal["posted_by_id"] == admin.user_id
    shown = api.get(f"/households/{household.id}", as_=admin)
    assert shown["balance"] == 0
    assert shown["month"]["earned"] == 0


def test_reversing_a_deduction_gives_the_points_back(api, make, household, admin):
    make.award(household, 10)
    deduction = api.post(
        "/transfers", json=entry(household, 6, kind="deduct", category="black"), as_=admin, key=True
    )

    reversal = api.post(
        f"/transfers/{deduction['id']}/reversal", json={"reason": "误扣"}, as_=admin, key=True
    )

    assert (reversal["amount"], reversal["balance_after"]) == (6, 10)
    assert api.get(f"/households/{household.id}", as_=admin)["month"]["deducted"] == 0


def test_a_transfer_is_reversed_only_once(api, make, household, admin):
    award = make.award(household, 20)
    api.post(f"/transfers/{award.id}/reversal", json={"reason": "录错了"}, as_=admin, key=True)
    before = standing(api, admin, household)

    refused = api.post(
        f"/transfers/{award.id}/reversal",
        json={"reason": "再撤一次"},
        as_=admin,
        key=True,
        expect=409,
    )

    assert refused["code"] == "already_reversed"
    assert standing(api, admin, household) == before


def test_a_reversal_cannot_itself_be_reversed(api, make, household, admin):
    award = make.award(household, 20)
    reversal = api.post(
        f"/transfers/{award.id}/reversal", json={"reason": "录错了"}, as_=admin, key=True
    )
    before = standing(api, admin, household)

    refused = api.post(
        f"/transfers/{reversal['id']}/reversal",
        json={"reason": "撤销撤销"},
        as_=admin,
        key=True,
        expect=409,
    )

    assert refused["code"] == "cannot_reverse_reversal"
    assert standing(api, admin, household) == before


@pytest.mark.parametrize(
    "who", ["leader", "shopkeeper", "admin of another village", "leader of another village"]
)
def test_only_an_admin_of_the_village_reverses(api, make, village, household, admin, who):
    other = make.village()
    staff = {
        "leader": lambda: make.staff("leader", village),
        "shopkeeper": lambda: make.staff("shopkeeper", village, make.shop(village)),
        "admin of another village": lambda: make.staff("admin", other),
        "leader of another village": lambda: make.staff("leader", other),
    }[who]()
    award = make.award(household, 20)
    before = standing(api, admin, household)

    refused = api.post(
        f"/transfers/{award.id}/reversal",
        json={"reason": "录错了"},
        as_=staff,
        key=True,
        expect=403,
    )

    assert refused["code"] == "forbidden"
    assert standing(api, admin, household) == before


def test_reversing_an_unknown_transfer_is_not_found(api, make):
    root = make.staff("admin")

    refused = api.post(
        "/transfers/999999/reversal", json={"reason": "录错了"}, as_=root, key=True, expect=404
    )

    assert refused["code"] == "not_found"


@pytest.mark.parametrize(
    "body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "长" * 501}, {"reason": None}]
)
def test_a_reversal_needs_a_reason(api, make, household, admin, body):
    award = make.award(household, 20)
    before = standing(api, admin, household)

    refused = api.post(
        f"/transfers/{award.id}/reversal", json=body, as_=admin, key=True, expect=422
    )

    assert refused["code"] == "validation_failed"
    assert "reason" in refused["errors"]
    assert standing(api, admin, household) == before


def test_a_reversal_refuses_unknown_fields(api, make, household, admin):
    award = make.award(household, 20)

    refused = api.post(
        f"/transfers/{award.id}/reversal",
        json={"reason": "录错了", "points": 5},
        as_=admin,
        key=True,
        expect=422,
    )

    assert "points" in refused["errors"]


def test_a_reversal_needs_an_idempotency_key(api, make, household, admin):
    award = make.award(household, 20)
    before = standing(api, admin, household)

    refused = api.post(
        f"/transfers/{award.id}/reversal", json={"reason": "录错了"}, as_=admin, expect=400
    )

    assert refused["code"] == "idempotency_key_required"
    assert standing(api, admin, household) == before


def test_a_replayed_reversal_posts_nothing_more(api, make, household, admin):
    award = make.award(household, 20)
    path = f"/transfers/{award.id}/reversal"

    first = api.request("POST", path, json={"reason": "录错了"}, as_=admin, key="undo", expect=201)
    again = api.request("POST", path, json={"reason": "录错了"}, as_=admin, key="undo", expect=201)

    assert again.headers[REPLAYED] == "true"
    assert again.get_json() == first.get_json()
    balance, _, history = standing(api, admin, household)
    assert balance == 0
    assert history == [first.get_json()["id"], award.id]


def test_a_memo_typed_with_full_width_spaces_is_taken(api, household, leader):
    """Chinese input methods type U+3000 for a space: a memo is free text, not a code."""
    made = api.post(
        "/transfers", json=entry(household, memo="修路　两小时\n村东"), as_=leader, key=True
    )

    assert made["memo"] == "修路　两小时\n村东"
