"""GET/POST /shops/{sid}/settlements/{period}: net of voids, yuan at the village's rate, once."""

import datetime as dt
from decimal import Decimal

import pytest

from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from tests.counter.web import get, sign_in

MARCH = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
APRIL = dt.datetime(2026, 4, 2, 2, 0, tzinfo=dt.UTC)
MAY = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)
JUNE = dt.datetime(2026, 6, 3, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def at(monkeypatch):
    """Post the ledger's transfers at a given moment (for sales in past months)."""

    def set_time(moment):
        monkeypatch.setattr("pointsmart.ledger.posting.utcnow", lambda: moment)
        monkeypatch.setattr("pointsmart.ledger.chain.utcnow", lambda: moment)
        monkeypatch.setattr("pointsmart.counter.voids.utcnow", lambda: moment)

    return set_time


def sell(api, counter, *lines):
    return api.post("/redemptions", json=counter.sale(*lines), as_=counter.keeper, key=True)


def test_a_month_nets_out_its_voids_and_settles_once(api, counter, at):
    counter.village.yuan_per_point = Decimal("0.15")
    counter.make.award(counter.household, 100)
    at(MARCH)
    sell(api, counter, (counter.soap, 2))  # 40
    voided = sell(api, counter, (counter.soap, 1))  # 20, voided in March
    sell(api, counter, (counter.rice, 1))  # 250
    api.post(f"/redemptions/{voided['id']}/void", json={}, as_=counter.keeper, key=True, expect=200)

    statement = api.get(f"/shops/{counter.shop.id}/settlements/2026-03", as_=counter.admin)

    assert statement == {
        "shop_id": counter.shop.id,
        "period": "2026-03",
        "points_redeemed": 290,
        "sales_points": 310,
        "sales_count": 3,
        "voided_points": 20,
        "voids_count": 1,
        "carried_points": 0,
        "points_due": 290,
        "carried_on": 0,
        "held_back": 0,
        "yuan_per_point": "0.15",
        "yuan": "43.50",
        "settled": False,
        "transfer_id": None,
        "settled_at": None,
    }

    settled = api.post(f"/shops/{counter.shop.id}/settlements/2026-03", as_=counter.admin, key=True)

    assert settled["settled"] is True
    assert (settled["points_redeemed"], settled["yuan"]) == (290, "43.50")
    transfer = db.session.get(Transfer, settled["transfer_id"])
    assert (transfer.kind, transfer.amount, transfer.period) == ("settle", 290, "2026-03")
    assert ledger.account_balance(counter.village.id, f"shop:{counter.shop.id}") == 0
    assert ledger.account_balance(counter.village.id, "settled") == 290
    again = api.post(
        f"/shops/{counter.shop.id}/settlements/2026-03", as_=counter.admin, key=True, expect=409
    )
    assert again["code"] == "already_settled"
    shown = api.get(f"/shops/{counter.shop.id}/settlements/2026-03", as_=counter.keeper)
    assert shown == settled
    assert verify_village(counter.village.id).ok


def test_a_late_void_counts_in_its_own_month(api, counter, at):
    counter.make.award(counter.household, 100)
    at(MARCH)
    rice = sell(api, counter, (counter.rice, 1))
    sell(api, counter, (counter.soap, 1))
    api.post(f"/shops/{counter.shop.id}/settlements/2026-03", as_=counter.admin, key=True)

    at(APRIL)
    api.post(f"/redemptions/{rice['id']}/void", json={}, as_=counter.admin, key=True, expect=200)
    sell(api, counter, (counter.soap, 2))

    march = api.get(f"/shops/{counter.shop.id}/settlements/2026-03", as_=counter.admin)
    april = api.get(f"/shops/{counter.shop.id}/settlements/2026-04", as_=counter.admin)

    assert (march["points_redeemed"], march["settled"]) == (270, True)
    assert (april["sales_points"], april["voided_points"], april["points_redeemed"]) == (
        40,
        250,
        -210,
    )
    # Nothing is owed for April; what its voids leave carries on to May.
    assert (april["points_due"], april["carried_on"], april["yuan"]) == (0, -210, "0.00")


def test_the_current_month_cannot_be_settled_yet(api, counter):
    sell(api, counter, (counter.soap, 1))
    period = Transfer.period
    this_month = db.session.query(period).order_by(Transfer.id.desc()).first()[0]

    problem = api.post(
        f"/shops/{counter.shop.id}/settlements/{this_month}",
        as_=counter.admin,
        key=True,
        expect=409,
    )

    assert problem["code"] == "period_open"


def test_a_month_without_sales_has_nothing_to_settle(api, counter):
    problem = api.post(
        f"/shops/{counter.shop.id}/settlements/2026-01", as_=counter.admin, key=True, expect=409
    )

    assert problem["code"] == "nothing_to_settle"


def test_who_may_read_and_settle(api, counter):
    path = f"/shops/{counter.shop.id}/settlements/2026-01"
    leader = counter.make.staff("leader", counter.village)
    other_keeper = counter.make.staff(
        "shopkeeper", counter.village, counter.make.shop(counter.village)
    )

    assert api.get(path, as_=counter.keeper)["points_redeemed"] == 0
    assert api.get(path, as_=leader, expect=403)
    assert api.get(path, as_=other_keeper, expect=403)
    assert api.post(path, as_=counter.keeper, key=True, expect=403)["code"] == "forbidden"
    assert api.post(path, as_=counter.admin, expect=400)["code"] == "idempotency_key_required"
    assert api.get("/shops/999999/settlements/2026-01", as_=counter.admin, expect=404)


def test_a_period_is_validated(api, counter):
    for bad in ("2026-13", "2026-1", "march", "1999-12"):
        problem = api.get(
            f"/shops/{counter.shop.id}/settlements/{bad}", as_=counter.admin, expect=422
        )
        assert problem["code"] == "validation_failed"


def test_a_month_after_more_voids_than_sales_shows_the_carried_difference_and_agrees(
    api, counter, at
):
    # Issue 15, item 6: settle March (a 250-point sale), void it in April, sell 40 in May.
    counter.make.award(counter.household, 1000)
    path = f"/shops/{counter.shop.id}/settlements"
    at(MARCH)
    rice = sell(api, counter, (counter.rice, 1))
    api.post(f"{path}/2026-03", as_=counter.admin, key=True)
    at(APRIL)
    api.post(f"/redemptions/{rice['id']}/void", json={}, as_=counter.admin, key=True, expect=200)
    at(MAY)
    sell(api, counter, (counter.soap, 2))

    may = api.get(f"{path}/2026-05", as_=counter.admin)

    assert (may["points_redeemed"], may["carried_points"], may["points_due"]) == (40, -250, 0)
    assert (may["carried_on"], may["yuan"]) == (-210, "0.00")
    refused = api.post(f"{path}/2026-05", as_=counter.admin, key=True, expect=409)
    assert refused["code"] == "nothing_to_settle"  # as the statement says; not insufficient_points
    assert (refused["points_redeemed"], refused["carried_points"]) == (40, -250)

    at(JUNE)
    sell(api, counter, (counter.product("电视机", 300, 1), 1))
    june = api.get(f"{path}/2026-06", as_=counter.admin)
    assert (june["points_redeemed"], june["carried_points"], june["points_due"]) == (300, -210, 90)
    settled = api.post(f"{path}/2026-06", as_=counter.admin, key=True)
    assert (settled["points_due"], settled["yuan"], settled["settled"]) == (90, "9.00", True)
    assert db.session.get(Transfer, settled["transfer_id"]).amount == 90
    assert ledger.account_balance(counter.village.id, f"shop:{counter.shop.id}") == 0
    # A settled month keeps showing what it carried.
    assert api.get(f"{path}/2026-06", as_=counter.keeper) == settled
    assert verify_village(counter.village.id).ok


def test_the_printed_statement_shows_the_carried_difference(client, api, counter, at):
    counter.make.award(counter.household, 1000)
    at(MARCH)
    rice = sell(api, counter, (counter.rice, 1))
    api.post(f"/shops/{counter.shop.id}/settlements/2026-03", as_=counter.admin, key=True)
    at(APRIL)
    api.post(f"/redemptions/{rice['id']}/void", json={}, as_=counter.admin, key=True, expect=200)
    at(MAY)
    sell(api, counter, (counter.soap, 2))
    sign_in(client, counter.admin)

    html = get(client, f"/shops/{counter.shop.id}/settlements/2026-05").get_data(as_text=True)

    assert 'data-testid="carried">−250<' in html
    assert 'data-testid="due">0<' in html
    assert 'data-testid="carried-on">−210<' in html
    assert "0.00 元" in html
    assert "settle-form" not in html  # no button offering to pay what is not due


def test_a_month_settled_after_a_later_void_holds_back_what_the_later_month_then_pays(
    api, counter, at
):
    # Found by the property test: two sales in January, one voided on February 2, January
    # settled on February 3 (it can pay only what the shop holds), a sale on February 4.
    counter.make.award(counter.household, 1000)
    path = f"/shops/{counter.shop.id}/settlements"
    at(dt.datetime(2026, 1, 3, 2, tzinfo=dt.UTC))
    first = sell(api, counter, (counter.soap, 1))
    sell(api, counter, (counter.soap, 1))
    at(dt.datetime(2026, 2, 2, 2, tzinfo=dt.UTC))
    api.post(f"/redemptions/{first['id']}/void", json={}, as_=counter.admin, key=True, expect=200)
    at(dt.datetime(2026, 2, 3, 2, tzinfo=dt.UTC))
    january = api.post(f"{path}/2026-01", as_=counter.admin, key=True)
    at(dt.datetime(2026, 2, 4, 2, tzinfo=dt.UTC))
    sell(api, counter, (counter.soap, 1))
    at(MARCH)

    assert (january["points_redeemed"], january["points_due"], january["held_back"]) == (40, 20, 20)
    february = api.get(f"{path}/2026-02", as_=counter.admin)
    assert (february["points_redeemed"], february["carried_points"]) == (0, 20)
    assert february["points_due"] == 20  # what January held back, not lost
    api.post(f"{path}/2026-02", as_=counter.admin, key=True)
    assert ledger.account_balance(counter.village.id, f"shop:{counter.shop.id}") == 0
    assert api.get(f"{path}/2026-01", as_=counter.admin)["held_back"] == 20
    assert verify_village(counter.village.id).ok


def test_a_void_of_a_month_never_paid_is_not_carried_as_a_debt_into_later_months(api, counter, at):
    # January's only sale is voided on February 2, so settling January on February 3 has
    # nothing to pay, nor has February. No month was ever paid: March's sales are owed in
    # full, not held against a debt of "voids of months already paid".
    counter.make.award(counter.household, 1000)
    path = f"/shops/{counter.shop.id}/settlements"
    at(dt.datetime(2026, 1, 30, 2, tzinfo=dt.UTC))
    rice = sell(api, counter, (counter.rice, 1))
    at(dt.datetime(2026, 2, 2, 2, tzinfo=dt.UTC))
    api.post(f"/redemptions/{rice['id']}/void", json={}, as_=counter.admin, key=True, expect=200)
    at(dt.datetime(2026, 2, 3, 2, tzinfo=dt.UTC))
    january = api.post(f"{path}/2026-01", as_=counter.admin, key=True, expect=409)
    # Its own sum is 250, but the void took the shop's points back: said so, not "no more
    # than 0".
    assert january["held_back"] == 250
    assert january["detail"] == "2026-01 没有应结算的积分：该月的 250 分已被之后月份的撤销冲回。"
    at(dt.datetime(2026, 3, 3, 2, tzinfo=dt.UTC))
    assert api.post(f"{path}/2026-02", as_=counter.admin, key=True, expect=409)
    sell(api, counter, (counter.soap, 2))
    at(dt.datetime(2026, 4, 3, 2, tzinfo=dt.UTC))

    march = api.get(f"{path}/2026-03", as_=counter.admin)

    assert (march["points_redeemed"], march["carried_points"], march["points_due"]) == (40, 0, 40)
    settled = api.post(f"{path}/2026-03", as_=counter.admin, key=True)
    assert (settled["points_due"], settled["yuan"]) == (40, "4.00")
    assert ledger.account_balance(counter.village.id, f"shop:{counter.shop.id}") == 0
    assert api.post(f"{path}/2026-01", as_=counter.admin, key=True, expect=409)["code"] == (
        "nothing_to_settle"
    )
    assert verify_village(counter.village.id).ok
