"""The "needs attention" list, the committee's reconciliation and its two resolutions: each
posts one transfer that pays the shop, once, and the ledger still verifies."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsmart.counter import settlement
from pointsmart.counter.models import StockMove
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import current_period
from tests.counter.offline.conftest import balance, shop_balance, stock
from tests.ledger.test_hot_path import recorded_statements


@pytest.fixture
def refused(api, counter, sell_offline):
    """The household spent 290 of its 300 points at the shop while the counter was offline;
    the offline sale of 2 soaps (40 points) reaches us afterwards and is kept pending."""
    ledger.redeem(counter.village.id, counter.household.id, counter.shop.id, 290)
    return sell_offline((counter.soap, 2), expect=202)


def resolve(api, sale, resolution, *, as_, expect=200, **fields):
    """Resolve an offline sale as ``as_``, with a key of its own."""
    return api.post(
        f"/offline-sales/{sale['id']}/resolve",
        json={"resolution": resolution, **fields},
        as_=as_,
        key=True,
        expect=expect,
    )


def test_a_refused_sale_is_in_the_shops_list_and_the_committees(api, counter, refused):
    attention = api.get(f"/shops/{counter.shop.id}/offline-sales", as_=counter.keeper)
    committee = api.get(f"/villages/{counter.village.id}/offline-sales", as_=counter.admin)

    assert [s["id"] for s in attention["items"]] == [refused["id"]]
    assert [s["id"] for s in committee["items"]] == [refused["id"]]
    assert committee["items"][0]["reason"] == "insufficient_points"
    assert committee["items"][0]["household_balance"] == 10
    api.get(f"/villages/{counter.village.id}/offline-sales", as_=counter.keeper, expect=403)


def test_a_shortfall_charges_the_household_below_zero_and_pays_the_shop(api, counter, refused):
    shop_before = shop_balance(counter)

    resolved = resolve(api, refused, "shortfall", as_=counter.admin, memo="已与户主确认")

    transfer = db.session.get(Transfer, resolved["transfer_id"])
    assert resolved["status"] == "shortfall"
    assert (transfer.kind, transfer.amount, transfer.household_id) == (
        "shortfall",
        40,
        counter.household.id,
    )
    assert transfer.period == current_period("Asia/Shanghai")
    assert balance(counter) == 10 - 40
    assert transfer.debit_balance_after == -30
    assert shop_balance(counter) == shop_before + 40
    assert stock(counter.soap) == 8  # the goods left the shelf
    assert verify_village(counter.village.id).ok
    assert api.get(f"/shops/{counter.shop.id}/offline-sales", as_=counter.keeper)["items"] == []


def test_a_write_off_pays_the_shop_from_the_village(api, counter, refused):
    issued_before = ledger.account_balance(counter.village.id, "issued")
    shop_before = shop_balance(counter)

    resolved = resolve(api, refused, "write_off", as_=counter.admin)

    transfer = db.session.get(Transfer, resolved["transfer_id"])
    assert (transfer.kind, transfer.amount, transfer.household_id) == ("write_off", 40, None)
    assert "XF-001" in transfer.memo
    assert balance(counter) == 10
    assert ledger.account_balance(counter.village.id, "issued") == issued_before - 40
    assert shop_balance(counter) == shop_before + 40
    assert verify_village(counter.village.id).ok


def test_a_sale_is_resolved_once(api, counter, refused):
    path = f"/offline-sales/{refused['id']}/resolve"
    api.post(path, json={"resolution": "write_off"}, as_=counter.admin, key=True, expect=200)

    problem = api.post(
        path, json={"resolution": "shortfall"}, as_=counter.admin, key=True, expect=409
    )

    assert problem["code"] == "offline_sale_resolved"
    kinds = (
        db.session.execute(
            sa.select(Transfer.kind).where(Transfer.kind.in_(["shortfall", "write_off"]))
        )
        .scalars()
        .all()
    )
    assert kinds == ["write_off"]


def test_only_the_villages_admins_resolve(api, counter, refused):
    resolve(api, refused, "shortfall", as_=counter.keeper, expect=403)


def test_goods_that_ran_out_leave_no_negative_stock(api, counter, sell_offline):
    counter.make.award(counter.household, 500)
    api.post("/redemptions", json=counter.sale((counter.rice, 2)), as_=counter.keeper, key=True)
    pending = sell_offline((counter.rice, 1), expect=202)

    resolve(api, pending, "shortfall", as_=counter.admin)

    assert stock(counter.rice) == 0
    outs = db.session.execute(sa.select(StockMove).where(StockMove.kind == "out")).scalars().all()
    assert outs == []


def test_the_shops_statement_counts_both_resolutions(api, counter, refused, sell_offline):
    counter.make.award(counter.household, 100)  # 10 + 100
    ledger.redeem(counter.village.id, counter.household.id, counter.shop.id, 110)
    second = sell_offline((counter.soap, 1), expect=202)
    for sale, resolution in ((refused, "shortfall"), (second, "write_off")):
        resolve(api, sale, resolution, as_=counter.admin)

    statement = settlement.month_statement(
        counter.admin.principal, counter.shop.id, current_period("Asia/Shanghai")
    )

    assert statement.points_redeemed == 290 + 110 + 40 + 20


def test_a_shortfall_locks_the_households_account_before_the_goods_as_a_sale_does(
    api, counter, refused
):
    """A sale charges the household before it takes its goods off the stock, and moves the
    shop's account after both; a resolution that locked them in another order could deadlock
    with a sale of the same household or goods."""
    with recorded_statements() as statements:
        resolve(api, refused, "shortfall", as_=counter.admin)
    statements = [" ".join(s.split()) for s in statements]
    household_locked = next(
        i for i, s in enumerate(statements) if s.startswith("SELECT accounts.id, accounts.balance")
    )
    stock_moved = next(i for i, s in enumerate(statements) if s.startswith("UPDATE products"))
    shop_moved = next(
        i for i, s in enumerate(statements) if s.startswith("UPDATE accounts SET balance=(")
    )
    assert household_locked < stock_moved < shop_moved


def test_the_reconciliation_of_an_unknown_village_is_a_404(api, make, counter):
    refused = api.get("/villages/999999/offline-sales", as_=make.staff("admin"), expect=404)

    assert refused["code"] == "not_found"
