"""Offline sales arriving at once, through the HTTP API, against the production server with
several workers (as ``tests/counter/test_concurrency.py``):

* 12 one-point offline sales of one household at once, with an offline limit of 5 a day:
  exactly 5 post, 7 are kept for the committee (``offline_limit_exceeded``), nothing else;
* one offline sale's key sent 8 times at once (two tabs, a retry): one outcome, eight
  identical answers.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from pointsmart.counter import goods
from pointsmart.counter.models import PendingOfflineSale, Redemption
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.verify import verify_village
from tests.conftest import app_on_fresh_database
from tests.counter.test_concurrency import at_once, call
from tests.factories import ROOT, Factories
from tests.load.server import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    with app_on_fresh_database(folder) as app:
        with app.app_context():
            make = Factories()
            village = make.village()
            village.offline_limit = 5
            shop = make.shop(village)
            keeper = make.staff("shopkeeper", village, shop)
            one, two = make.household(village), make.household(village)
            make.award(one, 100)
            make.award(two, 100)
            matches = goods.create_product(ROOT, shop.id, name="火柴", points_price=1, stock=100)
            db.session.commit()
            scene = (village.id, shop.id, keeper.auth, one.id, two.id, matches.id)
        running = Server(app.config["SQLALCHEMY_DATABASE_URI"], folder / "server.log")
        running.workers = 4
        running.start()
        try:
            yield app, scene, running.address
        finally:
            running.stop()


def offline_sale(shop_id: int, household_id: int, product_id: int, made_at: dt.datetime) -> dict:
    return {
        "household_id": household_id,
        "shop_id": shop_id,
        "items": [{"product_id": product_id, "quantity": 1}],
        "made_at": made_at.isoformat(),
    }


def test_12_offline_sales_at_once_within_a_limit_of_5_post_exactly_5(server):
    app, (village_id, shop_id, auth, one, _two, matches), address = server
    # One moment for all 12: each thread taking its own "10 minutes ago" would put some of
    # them on the day before when the test runs as 16:10 UTC passes (Shanghai's midnight).
    made_at = utcnow() - dt.timedelta(minutes=10)

    answers = at_once(
        12,
        lambda i: call(
            address,
            "POST",
            "/api/v1/redemptions",
            offline_sale(shop_id, one, matches, made_at),
            {**auth, "Idempotency-Key": f"offline-{i}"},
        ),
    )

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 5 + [202] * 7
    assert {body["reason"] for status, body in answers if status == 202} == {
        "offline_limit_exceeded"
    }
    with app.app_context():
        assert ledger.account_balance(village_id, f"household:{one}") == 100 - 5
        assert verify_village(village_id).ok


def test_one_offline_key_sent_8_times_at_once_has_one_outcome(server):
    app, (village_id, shop_id, auth, _one, two, matches), address = server
    body = offline_sale(shop_id, two, matches, utcnow() - dt.timedelta(minutes=10))

    answers = at_once(
        8,
        lambda i: call(
            address, "POST", "/api/v1/redemptions", body, {**auth, "Idempotency-Key": "tab-key"}
        ),
    )

    assert {status for status, _ in answers} == {201}
    assert len({json.dumps(answer, sort_keys=True) for _, answer in answers}) == 1
    with app.app_context():
        sales = db.session.execute(
            sa.select(sa.func.count()).select_from(Redemption).where(Redemption.household_id == two)
        ).scalar_one()
        kept = db.session.execute(
            sa.select(sa.func.count())
            .select_from(PendingOfflineSale)
            .where(PendingOfflineSale.household_id == two)
        ).scalar_one()
        assert (sales, kept) == (1, 0)
        assert ledger.account_balance(village_id, f"household:{two}") == 100 - 1
        assert verify_village(village_id).ok
