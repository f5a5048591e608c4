"""A sale is a fixed handful of statements (one more a kind of goods) and leaves the session
current."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from pointsmart.counter import sales, stock
from pointsmart.counter.errors import OutOfStock
from pointsmart.counter.models import SALE, STOCK_OUT, Product, Redemption, RedemptionItem
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.notify.models import OutboxMessage, SmsConsent
from tests.ledger.test_hot_path import recorded_statements


def test_a_sale_through_the_api_is_a_fixed_handful_of_statements_and_one_a_kind_of_goods(
    api, counter
):
    towel = counter.product("毛巾", 5, 10)
    api.post("/redemptions", json=counter.sale((counter.soap, 1)), as_=counter.keeper, key=True)
    counts = []
    for lines in (((counter.soap, 1),), ((counter.soap, 1), (towel, 2))):
        with recorded_statements() as statements:
            api.post("/redemptions", json=counter.sale(*lines), as_=counter.keeper, key=True)
        counts.append(len([s for s in statements if "SAVEPOINT" not in s]))

    # authentication 1, the key 1, shop 1, the card 1, customer 1, goods 1; the ledger's
    # account writes 4 (the household's account, its balance, the month, the transfer's id);
    # the text-message consent looked up 1 (pointsmart.notify, a ledger listener); the
    # redemption and its items 2, the stock 1 a kind of goods, the moves 1; the stored answer
    # 1; at commit 4 (the shop's account, the head, the transfer, the head moved; on
    # PostgreSQL the transfer's INSERT moves the head, 3): 20 for one kind of goods, 21 for two
    at_commit = 3 if on_postgresql() else 4
    assert counts == [16 + at_commit, 17 + at_commit], counts


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


def test_a_stock_move_refuses_more_than_the_stock_it_finds(counter):
    products = stock.find_products([counter.rice.id, counter.soap.id])
    assert set(products) == {counter.rice.id, counter.soap.id}
    rice_stock = products[counter.rice.id].stock

    with pytest.raises(OutOfStock) as refused:
        stock.move_stock(
            [(products[counter.soap.id], 1), (products[counter.rice.id], rice_stock + 1)], SALE
        )
    assert refused.value.extra["stock"] == rice_stock
    with pytest.raises(ValueError, match="bad stock move"):
        stock.move_stock([(products[counter.soap.id], 0)], SALE)


def test_a_stock_move_checks_the_stock_as_it_is_not_as_it_was_read(counter):
    """The stock a caller read may be stale (another counter sold since, on PostgreSQL): the
    conditional UPDATE decides, and the product is left holding the stock it found."""
    (soap,) = stock.find_products([counter.soap.id]).values()
    products = Product.__table__  # a Core UPDATE, which leaves the loaded product as it was
    db.session.execute(products.update().where(products.c.id == soap.id).values(stock=2))
    assert soap.stock == 10  # what was read

    with pytest.raises(OutOfStock):
        stock.move_stock([(soap, 3)], STOCK_OUT)
    assert soap.stock == 2
    (move,) = stock.move_stock([(soap, 2)], STOCK_OUT, returning=True)
    assert (move.delta, move.stock_after, soap.stock) == (-2, 0, 0)


def test_the_chain_head_is_the_sales_last_write(api, counter):
    """Everything a sale writes comes before the village's chain head is locked (the
    redemption names the transfer by the id it will have), the stored answer included: under
    the head only the transfer is inserted and the head moved (on PostgreSQL in one
    statement), then the commit."""
    with recorded_statements() as statements:
        api.post("/redemptions", json=counter.sale((counter.soap, 1)), as_=counter.keeper, key=True)
    statements = [" ".join(s.split()) for s in statements if "SAVEPOINT" not in s]
    head = next(i for i, s in enumerate(statements) if s.startswith("SELECT chain_heads."))

    before = [verb_and_table(statement) for statement in statements[:head]]
    assert_only_the_transfer_and_the_head_moved(statements[head + 1 :])
    assert before[-1] == "UPDATE accounts"  # the shop's account, which all its sales move
    assert {"INSERT redemptions", "UPDATE idempotency_records"} <= set(before)
    assert "UPDATE redemptions" not in before


def test_a_consenting_households_message_is_written_before_the_head(api, counter):
    consent_to_messages(counter.household)

    with recorded_statements() as statements:
        response = api.post(
            "/redemptions", json=counter.sale((counter.soap, 1)), as_=counter.keeper, key=True
        )
    statements = [" ".join(s.split()) for s in statements if "SAVEPOINT" not in s]
    head = next(i for i, s in enumerate(statements) if s.startswith("SELECT chain_heads."))

    before = [verb_and_table(statement) for statement in statements[:head]]
    assert {"SELECT sms_consents", "INSERT sms_outbox"} <= set(before)
    assert_only_the_transfer_and_the_head_moved(statements[head + 1 :])
    message = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.household_id == counter.household.id)
    ).scalar_one()
    assert message.transfer_id == response["transfer_id"]


def consent_to_messages(household) -> None:
    db.session.add(
        SmsConsent(household_id=household.id, village_id=household.village_id, phone="13800138000")
    )
    db.session.commit()


def assert_only_the_transfer_and_the_head_moved(statements: list[str]) -> None:
    """What a sale runs after locking the head: the transfer's INSERT and the head's UPDATE,
    on PostgreSQL one statement (WITH moved_head AS (UPDATE chain_heads ...) INSERT ...)."""
    if on_postgresql():
        (insert,) = statements
        assert insert.startswith("WITH moved_head AS (UPDATE chain_heads SET ")
        assert " INSERT INTO transfers " in insert
    else:
        verbs = [verb_and_table(statement) for statement in statements]
        assert verbs == ["INSERT transfers", "UPDATE chain_heads"]


def on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def verb_and_table(statement: str) -> str:
    """``INSERT transfers`` for ``INSERT INTO transfers (...) ...``, ``SELECT x`` for a
    SELECT from x, ``UPDATE x`` for an UPDATE of x, the verb alone for anything else."""
    verb = statement.split()[0]
    pattern = {"INSERT": r"INSERT INTO (\w+)", "UPDATE": r"UPDATE (\w+)", "SELECT": r" FROM (\w+)"}
    table = re.search(pattern.get(verb, "^$"), statement)
    return f"{verb} {table.group(1)}" if table else verb  # SELECT nextval(...): no table


def test_a_stock_move_after_a_rolled_back_one_is_answered_as_written(counter):
    products = stock.find_products([counter.soap.id])
    savepoint = db.session.begin_nested()
    (gone,) = stock.move_stock([(products[counter.soap.id], 3)], STOCK_OUT, returning=True)
    gone_id, stock_before = gone.id, gone.stock_after + 3
    savepoint.rollback()

    products = stock.find_products([counter.soap.id])
    (moved,) = stock.move_stock([(products[counter.soap.id], 1)], STOCK_OUT, returning=True)

    assert moved.delta == -1
    assert moved.stock_after == stock_before - 1
    if moved.id == gone_id:  # SQLite reused the id
        assert moved is gone  # the same identity, refreshed from the row just written


def test_the_references_a_sale_writes_before_its_transfer_hold_at_commit(api, counter):
    """The redemption (and the text message) name the transfer by the id it will have; the
    tests' session never truly commits, so the deferred foreign keys are checked here."""
    consent_to_messages(counter.household)
    sale = api.post(
        "/redemptions", json=counter.sale((counter.soap, 1)), as_=counter.keeper, key=True
    )

    if on_postgresql():
        db.session.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))  # raises when broken
    else:
        assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []
    redemption = db.session.get(Redemption, sale["id"])
    assert redemption.transfer_id == sale["transfer_id"]


def test_a_sale_is_dated_the_moment_its_ledger_period_was_taken(counter, monkeypatch):
    """A sale's row and its ledger period come from the same moment: one made in the last
    instant of November (Beijing time) is a November sale on its receipt and in the ledger,
    however late in the request its rows are written."""
    last_instant = dt.datetime(2026, 11, 30, 15, 59, 59, 999_000, tzinfo=dt.UTC)
    monkeypatch.setattr("pointsmart.ledger.posting.utcnow", lambda: last_instant)

    view = sales.redeem_items(
        counter.keeper.principal,
        shop_id=counter.shop.id,
        household_id=counter.household.id,
        items=[{"product_id": counter.soap.id, "quantity": 1}],
    )
    ledger.write_pending_transfers()

    assert view.redemption.created_at == last_instant
    assert db.session.get(Transfer, view.redemption.transfer_id).period == "2026-11"
