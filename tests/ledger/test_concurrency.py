"""Concurrent posts on one household serialise: real threads, real connections, real commits."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.errors import InsufficientPoints
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from tests.factories import Factories

CLIENTS = 32


def setup_village(app, *, balance: int):
    with app.app_context():
        make = Factories()
        village = make.village()
        household = make.household(village)
        shop = make.shop(village)
        if balance:
            make.award(household, balance)
        staff = make.staff("admin", village)
        db.session.commit()
        return village.id, household.id, shop.id, staff


def run_at_once(count: int, work):
    start = threading.Barrier(count)

    def worker(index):
        start.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


def test_32_concurrent_one_point_redemptions_against_10_points(fresh_app):
    village_id, household_id, shop_id, _ = setup_village(fresh_app, balance=10)

    def redeem_one_point(_):
        with fresh_app.app_context():
            try:
                ledger.redeem(village_id, household_id, shop_id, 1, memo="肥皂 x1")
                db.session.commit()
                return "posted"
            except InsufficientPoints:
                db.session.rollback()
                return "refused"

    outcomes = run_at_once(CLIENTS, redeem_one_point)

    assert outcomes.count("posted") == 10
    assert outcomes.count("refused") == 22
    with fresh_app.app_context():
        assert ledger.account_balance(village_id, f"household:{household_id}") == 0
        assert ledger.account_balance(village_id, f"shop:{shop_id}") == 10
        balances_after = db.session.execute(
            sa.select(Transfer.debit_balance_after)
            .where(Transfer.village_id == village_id, Transfer.kind == "redeem")
            .order_by(Transfer.seq)
        ).scalars()
        assert list(balances_after) == list(range(9, -1, -1))
        assert verify_village(village_id).ok


def test_concurrent_retries_with_one_key_post_once(fresh_app):
    village_id, household_id, _, staff = setup_village(fresh_app, balance=0)
    body = {"household_id": household_id, "kind": "award", "points": 3, "category": "red"}

    def send(_):
        response = fresh_app.test_client().post(
            "/api/v1/transfers",
            json=body,
            headers={**staff.auth, "Idempotency-Key": "same-key"},
        )
        return response.status_code, response.get_json()

    answers = run_at_once(8, send)

    assert {status for status, _ in answers} == {201}
    assert len({answer["id"] for _, answer in answers}) == 1
    with fresh_app.app_context():
        assert ledger.account_balance(village_id, f"household:{household_id}") == 3
        assert verify_village(village_id).ok


def test_concurrent_posts_across_households_keep_one_unbroken_chain(fresh_app):
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        households = [make.household(village).id for _ in range(4)]
        village_id = village.id
        db.session.commit()

    def award(index):
        with fresh_app.app_context():
            for _ in range(5):
                ledger.award(village_id, households[index % 4], 2, category="volunteer")
                db.session.commit()

    run_at_once(8, award)

    with fresh_app.app_context():
        report = verify_village(village_id)
        assert report.ok, report.problems
        assert report.transfers_checked == 40
