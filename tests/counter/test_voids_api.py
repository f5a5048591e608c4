"""POST /redemptions/{id}/void: points back, goods back, once; same day for the shop."""

import datetime as dt

import sqlalchemy as sa

from pointsmart.admin.households import mark_moved_away
from pointsmart.counter.models import Product, Redemption, StockMove
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from tests.factories import ROOT


def sell(api, counter, *lines):
    return api.post("/redemptions", json=counter.sale(*lines), as_=counter.keeper, key=True)


def stock(product):
    return db.session.execute(sa.select(Product.stock).where(Product.id == product.id)).scalar_one()


def balance(counter):
    return ledger.account_balance(counter.village.id, f"household:{counter.household.id}")


def test_the_shop_voids_a_sale_of_today_once(api, counter):
    sale = sell(api, counter, (counter.soap, 3))

    voided = api.post(
        f"/redemptions/{sale['id']}/void",
        json={"reason": "拿错了"},
        as_=counter.keeper,
        key=True,
        expect=200,
    )

    assert voided["voided"] is True
    assert voided["void_reason"] == "拿错了"
    assert voided["void_balance_after"] == 300
    assert balance(counter) == 300
    assert stock(counter.soap) == 10
    reversal = db.session.get(Transfer, voided["void_transfer_id"])
    assert reversal.reverses_id == sale["transfer_id"]
    moves = db.session.execute(
        sa.select(StockMove.kind, StockMove.delta)
        .where(StockMove.redemption_id == sale["id"])
        .order_by(StockMove.id)
    ).all()
    assert moves == [("sale", -3), ("void", 3)]

    again = api.post(
        f"/redemptions/{sale['id']}/void", json={}, as_=counter.keeper, key=True, expect=409
    )
    assert again["code"] == "already_voided"
    by_admin = api.post(
        f"/redemptions/{sale['id']}/void", json={}, as_=counter.admin, key=True, expect=409
    )
    assert by_admin["code"] == "already_voided"
    assert balance(counter) == 300
    assert stock(counter.soap) == 10
    assert verify_village(counter.village.id).ok


def test_a_replayed_void_answers_again_without_voiding_twice(api, counter):
    sale = sell(api, counter, (counter.soap, 1))
    path = f"/redemptions/{sale['id']}/void"

    first = api.request("POST", path, json={}, as_=counter.keeper, key="void-1", expect=200)
    again = api.request("POST", path, json={}, as_=counter.keeper, key="void-1", expect=200)

    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stock(counter.soap) == 10


def test_the_shop_cannot_void_yesterdays_sale_but_an_admin_can(api, counter, monkeypatch):
    sale = sell(api, counter, (counter.soap, 2))
    tomorrow = utcnow() + dt.timedelta(days=1)
    monkeypatch.setattr("pointsmart.counter.voids.utcnow", lambda: tomorrow)

    late = api.post(
        f"/redemptions/{sale['id']}/void", json={}, as_=counter.keeper, key=True, expect=403
    )
    done = api.post(
        f"/redemptions/{sale['id']}/void", json={}, as_=counter.admin, key=True, expect=200
    )

    assert late["code"] == "void_too_late"
    assert done["voided"] is True
    assert stock(counter.soap) == 10
    # Voided since (by the admin): the shop is told so, not that it is too late.
    again = api.post(
        f"/redemptions/{sale['id']}/void", json={}, as_=counter.keeper, key=True, expect=409
    )
    assert again["code"] == "already_voided"


def test_the_same_day_is_the_villages_day(api, counter, monkeypatch):
    """A sale at 23:30 in Shanghai (15:30 UTC) cannot be voided by the shop at 00:10 there."""
    sale = sell(api, counter, (counter.soap, 1))
    created = dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.UTC)
    db.session.execute(
        sa.text("UPDATE redemptions SET created_at = :at WHERE id = :id"),
        {"at": created.replace(tzinfo=None), "id": sale["id"]},
    )
    path = f"/redemptions/{sale['id']}/void"
    # 00:10 the next day in Shanghai, though 16:10 the same day in UTC
    monkeypatch.setattr(
        "pointsmart.counter.voids.utcnow", lambda: created + dt.timedelta(minutes=40)
    )

    assert api.post(path, json={}, as_=counter.keeper, key=True, expect=403)["code"] == (
        "void_too_late"
    )
    # 23:55 in Shanghai: still the day of the sale
    monkeypatch.setattr(
        "pointsmart.counter.voids.utcnow", lambda: created + dt.timedelta(minutes=25)
    )
    assert api.post(path, json={}, as_=counter.keeper, key=True, expect=200)["voided"]


def test_who_may_void(api, counter):
    sale = sell(api, counter, (counter.soap, 1))
    path = f"/redemptions/{sale['id']}/void"
    other_keeper = counter.make.staff(
        "shopkeeper", counter.village, counter.make.shop(counter.village)
    )
    leader = counter.make.staff("leader", counter.village)
    other_admin = counter.make.staff("admin", counter.make.village())

    assert api.post(path, json={}, as_=other_keeper, key=True, expect=403)["code"] == "wrong_shop"
    assert api.post(path, json={}, as_=leader, key=True, expect=403)["code"] == "forbidden"
    assert api.post(path, json={}, as_=other_admin, key=True, expect=403)["code"] == "forbidden"
    assert api.post(path, json={}, key=True, expect=401)
    assert api.post(path, json={}, as_=counter.keeper, expect=400)["code"] == (
        "idempotency_key_required"
    )
    assert api.post("/redemptions/424242/void", json={}, as_=counter.admin, key=True, expect=404)


def test_a_sale_reversed_in_the_ledger_directly_counts_as_voided(api, counter):
    sale = sell(api, counter, (counter.soap, 1))
    ledger.reverse(sale["transfer_id"], reason="更正")

    problem = api.post(
        f"/redemptions/{sale['id']}/void", json={}, as_=counter.admin, key=True, expect=409
    )

    assert problem["code"] == "already_voided"
    assert stock(counter.soap) == 9  # nothing half-done: the goods stay sold


def test_voiding_needs_no_points_and_gives_them_back(api, counter):
    sale = sell(api, counter, (counter.rice, 1))
    assert balance(counter) == 50

    api.post(f"/redemptions/{sale['id']}/void", json={}, as_=counter.keeper, key=True, expect=200)

    assert balance(counter) == 300
    assert stock(counter.rice) == 2


def test_a_void_needs_no_body(api, counter):
    sale = sell(api, counter, (counter.soap, 1))
    voided = api.post(f"/redemptions/{sale['id']}/void", as_=counter.keeper, key=True, expect=200)
    assert voided["void_reason"] == f"撤销兑换 {sale['id']}"


def test_a_sale_to_a_household_that_has_since_moved_away_is_not_voided(api, counter):
    # Issue 15, item 4: award, sell everything, move away, void the same day. The void would
    # put the points into the closed account, where nothing could ever take them out.
    cooker = counter.product("电饭锅", 300, 1)
    sale = sell(api, counter, (cooker, 1))
    assert balance(counter) == 0
    mark_moved_away(ROOT, counter.household.id)

    refused = api.post(
        f"/redemptions/{sale['id']}/void", json={"reason": "拿错了"}, as_=counter.keeper,
        key=True, expect=409,
    )  # fmt: skip

    assert refused["code"] == "reversal_account_closed"
    assert balance(counter) == 0
    assert stock(cooker) == 0  # nothing half-written: the goods stay sold
    assert db.session.get(Redemption, sale["id"]).voided_at is None
    assert verify_village(counter.village.id).ok
