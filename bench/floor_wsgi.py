"""The floor: the sale's own SQL with no framework around it, to measure what a sale can cost.

    gunicorn -w 2 bench.floor_wsgi:app     (FLOOR_DATABASE=<SQLite file>; see bench/http_wrk.py)

A plain Flask app, none of pointsmart's extensions or hooks, with two routes:

* ``GET /bare``: a small JSON (Flask's own floor);
* ``POST /sale``: ``{"household_id", "shop_id", "items": [{"product_id", "quantity"}]}`` with
  ``Authorization: Bearer`` and ``Idempotency-Key``, sold with the statements the app's sale
  runs (compiled from the app's own Core statements), in the app's order and transactions,
  straight on the ``sqlite3`` driver: the caller read in a read transaction, then under the
  writers' queue and ``BEGIN IMMEDIATE`` the caller again, the key's claim, the shop, the
  customer, the goods, the chain head, both accounts, the transfer (hashed with the ledger's
  own ``transfer_hash``), the balances, the month's totals, the head, the redemption, its
  line, the stock, the stock move and the stored answer, then one commit (WAL,
  ``synchronous=FULL``).

What it leaves out is everything that is not SQL: Flask-Limiter, Babel, the security headers,
sessions, CSRF, SQLAlchemy's execution layer and ORM session, marshmallow, flask-smorest,
and the refusals' branches (it sells one kind of goods, to a household that can pay; anything
else is a 409 without detail). So it is not a second counter; it is the lower bound of the
real one on the same machine, disk and durability. Its sales are real ledger transfers:
``flask ledger verify`` checks them like any other (``bench/http_wrk.py --floor`` does).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask, jsonify, request
from sqlalchemy.dialects import sqlite

from pointsmart.accounts import service as accounts
from pointsmart.counter import goods, sales
from pointsmart.database import DriverStatement, QueuedWriterConnection, utcnow
from pointsmart.database import _DriverPlan as Sql  # the plan DriverStatement runs
from pointsmart.ledger import idempotency
from pointsmart.ledger import service as ledger
from pointsmart.ledger.hashing import transfer_hash
from pointsmart.periods import current_period

DIALECT = sqlite.dialect(dbapi=sqlite3)


def compiled(statement, columns: tuple[str, ...] = (), lengths: dict | None = None) -> Sql:
    """One of the app's statements as the app runs it on SQLite: the same compiled plan (SQL
    text, parameter order, bind processing) that ``DriverStatement`` makes."""
    if isinstance(statement, DriverStatement):
        statement = statement.statement
    return Sql(statement, DIALECT, list(columns), lengths or {})


TRANSFER_COLUMNS = tuple(ledger.Transfer.__table__.c.keys())[1:]
REDEMPTION_COLUMNS = tuple(sales.Redemption.__table__.c.keys())[1:]
ITEM_COLUMNS = tuple(sales.RedemptionItem.__table__.c.keys())[1:]
MOVE_COLUMNS = tuple(goods.StockMove.__table__.c.keys())[1:]

PRINCIPAL = compiled(accounts._PRINCIPAL_OF_TOKEN)
CLAIM = compiled(idempotency._CLAIM["sqlite"])
COMPLETE = compiled(idempotency._COMPLETE)
SHOP = compiled(sales._SHOP_FOR_SALE)
CUSTOMER = compiled(sales._CUSTOMER)
PRODUCT = compiled(goods._LOCK_FOR_SALE, lengths={"product_ids": 1})
HEAD = compiled(ledger._HEAD_FOR_UPDATE)
ACCOUNTS = compiled(ledger._ACCOUNTS_FOR_UPDATE)
INSERT_TRANSFER = compiled(ledger._INSERT_TRANSFER, TRANSFER_COLUMNS)
SET_BALANCE = compiled(ledger._SET_BALANCE)
ADD_TO_MONTH = compiled(ledger._add_to_month_statement("sqlite", "redeemed"))
MOVE_HEAD = compiled(ledger._MOVE_HEAD)
INSERT_REDEMPTION = compiled(sales._INSERT_REDEMPTION, REDEMPTION_COLUMNS)
INSERT_ITEM = compiled(sales._INSERT_ITEM, ITEM_COLUMNS)
SET_STOCK = compiled(goods._SET_STOCK)
INSERT_MOVE = compiled(goods._INSERT_MOVE, MOVE_COLUMNS)

app = Flask(__name__)
_connection: QueuedWriterConnection | None = None


def connection() -> QueuedWriterConnection:
    """The worker's one connection, with the app's settings (WAL, FULL, the writers' queue)."""
    global _connection
    if _connection is None:
        _connection = sqlite3.connect(
            os.environ["FLOOR_DATABASE"],
            factory=QueuedWriterConnection,
            isolation_level=None,
            check_same_thread=False,
        )
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000"):
            _connection.execute(f"PRAGMA {pragma}")
        _connection.execute("PRAGMA synchronous=FULL")
    return _connection


def run(db: sqlite3.Connection, sql: Sql, values: dict) -> list[tuple]:
    return db.execute(sql.sql, sql.parameters(values)).fetchall()


def run_many(db: sqlite3.Connection, sql: Sql, rows: list[dict]) -> None:
    db.executemany(sql.sql, [sql.parameters(values) for values in rows])


@app.get("/bare")
def bare():
    return jsonify(ok=True, service="pointsmart")


@app.post("/sale")
def sale():
    token_hash = hashlib.sha256(request.headers["Authorization"][7:].encode()).hexdigest()
    key = request.headers["Idempotency-Key"]
    body = request.get_json()
    db = connection()
    db.execute("BEGIN")
    caller = run(db, PRINCIPAL, {"token_hash": token_hash})
    db.execute("COMMIT")
    if not caller:
        return jsonify(code="unauthorized"), 401
    user_id = caller[0][0]
    db.enter_writer_queue()
    db.execute("BEGIN IMMEDIATE")
    try:
        answer = _sell(db, token_hash, user_id, key, body)
    except BaseException:
        db.rollback()
        raise
    if answer is None:  # as the app: a refused sale keeps nothing, its key's claim neither
        db.rollback()
        return jsonify(code="refused"), 409
    db.commit()
    response = jsonify(answer)
    response.status_code = 201
    return response


def _sell(db, token_hash: str, user_id: int, key: str, body: dict) -> dict | None:
    run(db, PRINCIPAL, {"token_hash": token_hash})
    now = utcnow()
    fingerprint = idempotency.fingerprint("POST", "/api/v1/redemptions", body)
    claimed = run(
        db,
        CLAIM,
        {"scope": f"user:{user_id}", "key": key, "fingerprint": fingerprint, "created_at": now},
    )
    if not claimed:
        return None
    household_id, shop_id = body["household_id"], body["shop_id"]
    (line,) = body["items"]
    (shop,) = run(db, SHOP, {"shop_id": shop_id})
    code = ledger.household_code(household_id)
    (customer,) = run(db, CUSTOMER, {"household_id": household_id, "account_code": code})
    (product,) = run(db, PRODUCT, {"product_ids": [line["product_id"]]})
    (last_seq, last_hash, timezone) = run(db, HEAD, {"village_id": shop[1]})[0]
    accounts_rows = run(
        db,
        ACCOUNTS,
        {"village_id": shop[1], "debit_code": code, "credit_code": ledger.shop_code(shop_id)},
    )
    debit, credit = sorted(accounts_rows, key=lambda row: row[1] != code)
    quantity, price = line["quantity"], product[3]
    amount = quantity * price
    if debit[2] < amount or product[4] < quantity:
        return None
    fields = {
        "village_id": shop[1],
        "seq": last_seq + 1,
        "kind": "redeem",
        "category": None,
        "debit_account_id": debit[0],
        "credit_account_id": credit[0],
        "amount": amount,
        "period": current_period(timezone, now),
        "memo": f"{product[2]} x{quantity}",
        "household_id": household_id,
        "debit_balance_after": debit[2] - amount,
        "credit_balance_after": credit[2] + amount,
        "reverses_id": None,
        "posted_by_id": user_id,
        "created_at": now,
        "rule_version_id": None,
        "quantity": None,
    }
    digest = transfer_hash(fields, last_hash)
    row = {**fields, "prev_hash": last_hash, "hash": digest}
    ((transfer_id,),) = run(db, INSERT_TRANSFER, row)
    run_many(
        db,
        SET_BALANCE,
        [
            {"account_id": debit[0], "new_balance": row["debit_balance_after"]},
            {"account_id": credit[0], "new_balance": row["credit_balance_after"]},
        ],
    )
    run(
        db,
        ADD_TO_MONTH,
        {
            "household_id": household_id,
            "period": row["period"],
            "village_id": shop[1],
            "delta": amount,
            "delta_again": amount,
        },
    )
    run(db, MOVE_HEAD, {"head_village_id": shop[1], "last_seq": row["seq"], "last_hash": digest})
    redemption = {
        "village_id": shop[1],
        "shop_id": shop_id,
        "household_id": household_id,
        "total_points": amount,
        "transfer_id": transfer_id,
        "balance_after": row["debit_balance_after"],
        "created_by_id": user_id,
        "created_at": now,
        "voided_at": None,
        "void_transfer_id": None,
        "voided_by_id": None,
        "void_reason": None,
    }
    ((redemption_id,),) = run(db, INSERT_REDEMPTION, redemption)
    item = {
        "redemption_id": redemption_id,
        "product_id": product[0],
        "name": product[2],
        "points_price": price,
        "quantity": quantity,
    }
    run(db, INSERT_ITEM, item)
    run(db, SET_STOCK, {"product_id": product[0], "stock": product[4] - quantity})
    run(
        db,
        INSERT_MOVE,
        {
            "product_id": product[0],
            "kind": "sale",
            "delta": -quantity,
            "stock_after": product[4] - quantity,
            "redemption_id": redemption_id,
            "memo": None,
            "created_by_id": user_id,
            "created_at": now,
        },
    )
    answer = {
        "id": redemption_id,
        "shop_id": shop_id,
        "household_id": household_id,
        "total_points": amount,
        "items": [{**item, "points": amount}],
        "balance_after": row["debit_balance_after"],
        "transfer_id": transfer_id,
        "created_at": now.isoformat(),
        "voided": False,
        "voided_at": None,
        "void_transfer_id": None,
        "void_reason": None,
        "household": {
            "household_id": household_id,
            "number": customer[2],
            "head_name": customer[3],
            "balance": row["debit_balance_after"],
        },
    }
    stored = json.dumps(answer, ensure_ascii=False)
    run(db, COMPLETE, {"record_id": claimed[0][0], "status_code": 201, "body": stored})
    return answer
