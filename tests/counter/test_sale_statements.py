"""A sale is a fixed handful of statements, whatever it sells, and leaves the session current."""

from __future__ import annotations

import pytest

from pointsmart.counter import goods, sales
from pointsmart.counter.errors import OutOfStock
from pointsmart.counter.models import Redemption, RedemptionItem
from pointsmart.extensions import db
from tests.ledger.test_hot_path import recorded_statements


def test_a_sale_through_the_api_is_a_fixed_handful_of_statements(api, counter):
    towel = counter.product("毛巾", 5, 10)
    api.post("/redemptions", json=counter.sale((counter.soap, 1)), as_=counter.keeper, key=True)
    counts = []
    for lines in (((counter.soap, 1),), ((counter.soap, 1), (towel, 2))):
        with recorded_statements() as statements:
            api.post("/redemptions", json=counter.sale(*lines), as_=counter.keeper, key=True)
        counts.append(len([s for s in statements if "SAVEPOINT" not in s]))

    # authentication 1, the key 1, shop 1, the card 1, customer 1, goods 1, the ledger 6, the
    # redemption, its items, the stock and the moves 4, the stored answer 1: 17 by card; on
    # SQLite the token is read again as the write transaction begins (see api.py)
    expected = 18 if db.session.connection().dialect.name == "sqlite" else 17
    assert counts == [expected, expected], counts


def test_a_sale_in_the_session_refreshes_the_goods_and_returns_a_persistent_sale(counter):
    assert counter.soap.stock == 10
    view = sales.redeem_items(
        counter.keeper.principal,
        shop_id=counter.shop.id,
        household_id=counter.household.id,
        items=[{"product_id": counter.soap.id, "quantity": 3}],
    )

    assert counter.soap.stock == 7
    assert view.redemption in db.session
    assert db.session.get(Redemption, view.id) is view.redemption
    assert (view.total_points, view.balance_after, view.customer.balance) == (60, 240, 240)
    item = db.session.query(RedemptionItem).filter_by(redemption_id=view.id).one()
    assert (item.product_id, item.name, item.points_price, item.quantity) == (
        counter.soap.id,
        "香皂",
        20,
        3,
    )


def test_sell_stock_refuses_more_than_the_locked_stock(counter):
    rows = goods.lock_products_for_sale([counter.rice.id, counter.soap.id])
    assert list(rows) == sorted([counter.rice.id, counter.soap.id])

    with pytest.raises(OutOfStock):
        goods.sell_stock([(rows[counter.rice.id], 3)], by=None, redemption_id=None)
    with pytest.raises(ValueError, match="bad stock move"):
        goods.sell_stock([(rows[counter.soap.id], 0)], by=None, redemption_id=None)
