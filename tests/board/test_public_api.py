"""The committee's monthly summary, through the API."""

from decimal import Decimal

import pytest

from pointsmart.ledger import service as ledger
from pointsmart.periods import current_period

PAST = "2025-06"


def post(api, staff, household, points, kind="award", category="volunteer", **fields) -> dict:
    body = {"household_id": household.id, "kind": kind, "points": points, "category": category}
    return api.post("/transfers", json={**body, **fields}, as_=staff, key=True)


@pytest.fixture
def books(api, make):
    """A village with a known month in the past and a known current month.

    Past month: awards 20 + 10, a deduction of 3.
    This month: awards 8 and 5 (the 5 reversed), a deduction of 2, a sale of 4 that the
    village settled with the shop, and a sale of 6 not yet settled. Another village's
    transfers must not count.
    """
    village = make.village(yuan_per_point=Decimal("0.25"))
    first, second = make.household(village), make.household(village)
    shop = make.shop(village)
    admin = make.staff("admin", village)
    post(api, admin, first, 20, period=PAST)
    post(api, admin, second, 10, period=PAST)
    post(api, admin, first, 3, kind="deduct", category="black", period=PAST)
    post(api, admin, first, 8)
    mistaken = post(api, admin, second, 5)
    api.post(
        f"/transfers/{mistaken['id']}/reversal", json={"reason": "录错了"}, as_=admin, key=True
    )
    post(api, admin, second, 2, kind="deduct", category="rule")
    now = current_period(village.timezone)
    ledger.redeem(village.id, first.id, shop.id, 4)
    ledger.settle(village.id, shop.id, 4, period=now)
    ledger.redeem(village.id, second.id, shop.id, 6)
    other = make.village()
    make.award(make.household(other), 1000)
    return village, admin, now


def test_the_summary_of_the_current_month(api, books):
    village, admin, now = books

    summary = api.get(f"/villages/{village.id}/summary?period={now}", as_=admin)

    assert summary == {
        "village_id": village.id,
        "period": now,
        "issued": 8,
        "deducted": 2,
        "redeemed": 10,
        "settled": 4,
        "outstanding": 20 + 10 - 3 + 8 - 2 - 10,
        "outstanding_yuan": "5.75",
        "unsettled": 6,
        "yuan_per_point": "0.25",
    }


def test_the_summary_of_a_past_month_ignores_what_came_later(api, books):
    village, admin, _ = books

    summary = api.get(f"/villages/{village.id}/summary?period={PAST}", as_=admin)

    assert (summary["issued"], summary["deducted"], summary["redeemed"]) == (30, 3, 0)
    assert (summary["settled"], summary["outstanding"], summary["unsettled"]) == (0, 27, 0)
    assert summary["outstanding_yuan"] == "6.75"


def test_the_summary_defaults_to_the_current_month(api, books):
    village, admin, now = books

    summary = api.get(f"/villages/{village.id}/summary", as_=admin)

    assert summary == api.get(f"/villages/{village.id}/summary?period={now}", as_=admin)


def test_a_month_before_any_transfer_sums_to_zero(api, books):
    village, admin, _ = books

    summary = api.get(f"/villages/{village.id}/summary?period=2020-01", as_=admin)

    assert [summary[k] for k in ("issued", "deducted", "redeemed", "settled", "outstanding")] == [
        0,
        0,
        0,
        0,
        0,
    ]


# 9999-12: a month no date can end (its sheet answered 500).
@pytest.mark.parametrize("period", ["2026-13", "2026-1", "26-01", "1999-12", "9999-12", "june"])
def test_a_bad_period_is_refused(api, make, period):
    village = make.village()
    admin = make.staff("admin", village)

    refused = api.get(f"/villages/{village.id}/summary?period={period}", as_=admin, expect=422)

    assert refused["code"] == "validation_failed"
    assert "period" in refused["errors"]


@pytest.mark.parametrize("who", ["leader", "shopkeeper", "admin of another village"])
def test_only_an_admin_of_the_village_reads_the_summary(api, make, who):
    village, other = make.village(), make.village()
    staff = {
        "leader": lambda: make.staff("leader", village),
        "shopkeeper": lambda: make.staff("shopkeeper", village, make.shop(village)),
        "admin of another village": lambda: make.staff("admin", other),
    }[who]()

    refused = api.get(f"/villages/{village.id}/summary", as_=staff, expect=403)

    assert refused["code"] == "forbidden"
