"""POST /redemptions with ``made_at``: an offline sale posts once, in the right month, within
the village's offline limit; one the server refuses is kept whole, posting nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from pointsmart.counter import goods, settlement
from pointsmart.counter.models import PendingOfflineSale, Redemption
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.households.cards import issue_card
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import current_period, period_of
from tests.counter.offline.conftest import balance, counts, last_month_moment, offline, stock
from tests.factories import ROOT


def test_an_offline_sale_posts_once_with_the_time_it_was_made(api, counter):
    made_at = utcnow() - dt.timedelta(minutes=30)
    body = offline(counter, (counter.soap, 2), made_at=made_at)

    sale = api.post("/redemptions", json=body, as_=counter.keeper, key="phone-key-1")
    again = api.request(
        "POST", "/redemptions", json=body, as_=counter.keeper, key="phone-key-1", expect=201
    )

    assert again.get_json() == sale
    assert again.headers["Idempotent-Replayed"] == "true"
    assert dt.datetime.fromisoformat(sale["made_at"]) == made_at
    assert sale["created_at"] != sale["made_at"]
    assert (sale["total_points"], sale["balance_after"]) == (40, 260)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar() == 1
    assert stock(counter.soap) == 8
    assert verify_village(counter.village.id).ok


def test_an_offline_sale_of_an_open_month_counts_in_that_month(api, counter):
    made_at = last_month_moment()
    counter.village.offline_limit = 1000

    sale = api.post(
        "/redemptions",
        json=offline(counter, (counter.soap, 1), made_at=made_at),
        as_=counter.keeper,
        key=True,
    )

    transfer = db.session.get(Transfer, sale["transfer_id"])
    assert transfer.period == period_of(made_at, "Asia/Shanghai")
    assert transfer.period < current_period("Asia/Shanghai")
    assert verify_village(counter.village.id).ok


def test_a_sale_of_a_settled_month_counts_in_the_current_month(api, counter):
    made_at = last_month_moment()
    month = period_of(made_at, "Asia/Shanghai")
    ledger.redeem(counter.village.id, counter.household.id, counter.shop.id, 10, period=month)
    settlement.settle_month(counter.admin.principal, counter.shop.id, month)

    sale = api.post(
        "/redemptions",
        json=offline(counter, (counter.soap, 1), made_at=made_at),
        as_=counter.keeper,
        key=True,
    )

    assert db.session.get(Transfer, sale["transfer_id"]).period == current_period("Asia/Shanghai")
    assert dt.datetime.fromisoformat(sale["made_at"]) == made_at
    assert (
        settlement.month_statement(counter.admin.principal, counter.shop.id, month).points_redeemed
        == 10
    )


def test_a_sale_of_a_month_on_a_printed_sheet_counts_in_the_current_month(api, counter):
    made_at = last_month_moment()
    counter.village.sheet_printed_through = period_of(made_at, "Asia/Shanghai")

    sale = api.post(
        "/redemptions",
        json=offline(counter, (counter.soap, 1), made_at=made_at),
        as_=counter.keeper,
        key=True,
    )

    assert db.session.get(Transfer, sale["transfer_id"]).period == current_period("Asia/Shanghai")


def test_a_phone_clock_ahead_of_ours_counts_as_now(api, counter):
    ahead = utcnow() + dt.timedelta(days=3)

    sale = api.post(
        "/redemptions",
        json=offline(counter, (counter.soap, 1), made_at=ahead),
        as_=counter.keeper,
        key=True,
    )

    assert dt.datetime.fromisoformat(sale["made_at"]) <= utcnow()


@pytest.mark.parametrize(
    "made_at",
    [
        dt.datetime(2000, 1, 1, 0, 0, 1, tzinfo=dt.UTC),  # a phone's clock reset
        utcnow() - dt.timedelta(days=75),  # before last month began
    ],
)
def test_a_sale_made_before_last_month_began_counts_as_made_now(api, counter, made_at):
    """Regression: a phone whose clock had reset booked its sale into 2000-01 (a month nobody
    settles or prints), and backdating sales onto days long gone passed the daily offline
    limit as often as there were days."""
    before = utcnow()

    sale = api.post(
        "/redemptions",
        json=offline(counter, (counter.soap, 1), made_at=made_at),
        as_=counter.keeper,
        key=True,
    )

    assert before <= dt.datetime.fromisoformat(sale["made_at"]) <= utcnow()
    transfer = db.session.get(Transfer, sale["transfer_id"])
    assert transfer.period == current_period("Asia/Shanghai")


def test_backdating_does_not_pass_the_daily_offline_limit(api, counter):
    assert counter.village.offline_limit == 50
    days_back = [utcnow() - dt.timedelta(days=days) for days in (80, 90)]  # 20 points each

    answers = [
        api.post(
            "/redemptions",
            json=offline(counter, (counter.soap, 2), made_at=made_at),
            as_=counter.keeper,
            key=True,
            expect=expect,
        )
        for made_at, expect in zip(days_back, (201, 202), strict=True)
    ]
    third = api.post(
        "/redemptions",
        json=offline(counter, (counter.soap, 1), made_at=days_back[0]),
        as_=counter.keeper,
        key=True,
        expect=202,
    )

    assert answers[1]["reason"] == third["reason"] == "offline_limit_exceeded"


def test_a_household_that_spent_elsewhere_meanwhile_is_kept_pending_posting_nothing(api, counter):
    ledger.redeem(counter.village.id, counter.household.id, counter.shop.id, 290)
    before = counts()[:3]

    body = offline(counter, (counter.soap, 2))
    pending = api.post("/redemptions", json=body, as_=counter.keeper, key="k-spent", expect=202)
    again = api.request(
        "POST", "/redemptions", json=body, as_=counter.keeper, key="k-spent", expect=202
    )

    assert again.get_json() == pending
    assert pending["status"] == "pending"
    assert pending["reason"] == "insufficient_points"
    assert pending["household_id"] == counter.household.id
    assert pending["household_number"] == "XF-001"
    assert pending["total_points"] == 40
    assert [(i["name"], i["quantity"]) for i in pending["items"]] == [("香皂", 2)]
    assert pending["transfer_id"] is None
    assert counts()[:3] == before  # no transfer, redemption or stock move
    assert (
        db.session.execute(sa.select(sa.func.count()).select_from(PendingOfflineSale)).scalar() == 1
    )
    assert balance(counter) == 10
    assert stock(counter.soap) == 10


def test_a_card_reissued_meanwhile_is_kept_pending(api, counter):
    old = counter.card.token
    issue_card(counter.household.id)

    pending = api.post(
        "/redemptions",
        json=offline(counter, (counter.soap, 1), card=old),
        as_=counter.keeper,
        key=True,
        expect=202,
    )

    assert (pending["reason"], pending["household_id"]) == ("card_revoked", counter.household.id)


def test_goods_that_ran_out_meanwhile_are_kept_pending(api, counter):
    counter.make.award(counter.household, 500)
    api.post("/redemptions", json=counter.sale((counter.rice, 2)), as_=counter.keeper, key=True)

    pending = api.post(
        "/redemptions",
        json=offline(counter, (counter.rice, 1)),
        as_=counter.keeper,
        key=True,
        expect=202,
    )

    assert pending["reason"] == "out_of_stock"
    assert stock(counter.rice) == 0


def priced(body: dict, *prices: int) -> dict:
    """The offline sale's lines with the prices its counter showed."""
    items = [{**item, "points_price": p} for item, p in zip(body["items"], prices, strict=True)]
    return {**body, "items": items}


def test_an_offline_sale_costs_the_price_the_counter_showed_if_that_is_lower(api, counter):
    """Regression: a sale agreed offline at 20 points a bar of soap cost 25 when the price
    was raised before the phone could send it (the household paid what it was never told)."""
    counter.village.offline_limit = 1000
    goods.update_product(ROOT, counter.soap.id, points_price=25)

    sale = api.post(
        "/redemptions", json=priced(offline(counter, (counter.soap, 2)), 20), as_=counter.keeper,
        key=True,
    )  # fmt: skip

    assert (sale["total_points"], sale["items"][0]["points_price"]) == (40, 20)
    assert balance(counter) == 260
    # Never more than today's price: a price lowered meanwhile is the price.
    goods.update_product(ROOT, counter.soap.id, points_price=15)
    cheaper = api.post(
        "/redemptions", json=priced(offline(counter, (counter.soap, 1)), 20), as_=counter.keeper,
        key=True,
    )  # fmt: skip
    assert cheaper["total_points"] == 15
    assert verify_village(counter.village.id).ok


def test_an_offline_sale_kept_pending_keeps_the_price_it_was_agreed_at(api, counter):
    counter.make.award(counter.household, 500)
    api.post("/redemptions", json=counter.sale((counter.rice, 2)), as_=counter.keeper, key=True)
    goods.update_product(ROOT, counter.rice.id, points_price=300)

    pending = api.post(
        "/redemptions", json=priced(offline(counter, (counter.rice, 1)), 250), as_=counter.keeper,
        key=True, expect=202,
    )  # fmt: skip

    assert pending["reason"] == "out_of_stock"
    assert (pending["total_points"], pending["items"][0]["points_price"]) == (250, 250)


def test_a_price_is_sent_only_with_a_sale_made_offline(api, counter):
    before = counts()

    problem = api.post(
        "/redemptions", json=priced(counter.sale((counter.soap, 1)), 1), as_=counter.keeper,
        key=True, expect=422,
    )  # fmt: skip

    assert "items" in problem["errors"]
    assert counts() == before


def test_the_offline_limit_is_per_household_and_day(api, counter):
    assert counter.village.offline_limit == 50
    hour_ago = utcnow() - dt.timedelta(hours=1)  # both on one day, even as 17:00 UTC passes
    first = api.post(
        "/redemptions",
        json=offline(counter, (counter.soap, 2), made_at=hour_ago),
        as_=counter.keeper,
        key=True,
    )
    over = api.post(
        "/redemptions",
        json=offline(counter, (counter.soap, 1), made_at=hour_ago),
        as_=counter.keeper,
        key=True,
        expect=202,
    )
    online = api.post(
        "/redemptions", json=counter.sale((counter.soap, 1)), as_=counter.keeper, key=True
    )
    other_day = api.post(
        "/redemptions",
        json=offline(counter, (counter.soap, 2), made_at=utcnow() - dt.timedelta(days=2)),
        as_=counter.keeper,
        key=True,
    )

    assert first["total_points"] == 40
    assert (over["reason"], over["total_points"]) == ("offline_limit_exceeded", 20)
    assert online["made_at"] is None  # online sales do not count against it
    assert other_day["total_points"] == 40


def test_an_offline_limit_of_zero_turns_offline_sales_off(api, counter):
    counter.village.offline_limit = 0

    pending = api.post(
        "/redemptions",
        json=offline(counter, (counter.soap, 1)),
        as_=counter.keeper,
        key=True,
        expect=202,
    )

    assert pending["reason"] == "offline_sales_off"


def test_refusals_the_counter_could_have_seen_are_refused_as_online(api, counter):
    other_shop = counter.make.shop(counter.village)
    stranger = counter.make.staff("shopkeeper", counter.village, other_shop)
    before = counts()

    api.post(
        "/redemptions", json=offline(counter, (counter.soap, 1)), as_=stranger, key=True, expect=403
    )
    api.post("/redemptions", json=offline(counter), as_=counter.keeper, key=True, expect=422)
    problem = api.post(
        "/redemptions",
        json={**offline(counter, (counter.soap, 1)), "made_at": "yesterday"},
        as_=counter.keeper,
        key=True,
        expect=422,
    )

    assert "made_at" in problem["errors"]
    assert counts() == before
