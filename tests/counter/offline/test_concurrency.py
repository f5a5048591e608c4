"""Offline sales arriving at once, through the HTTP API, against the production server with
several workers (as ``tests/counter/test_concurrency.py``):

* 12 one-point offline sales of one household at once, with an offline limit of 5 a day:
  exactly 5 post, 7 are kept for the committee (``offline_limit_exceeded``), nothing else;
* one offline sale's key sent 8 times at once (two tabs, a retry): one outcome, eight
  identical answers;
* an offline sale of an ended month synced while that month is settled (threads on the
  test app): it is paid by the settlement or counts in the current month, never both.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from pointsmart.counter import goods
from pointsmart.counter.models import PendingOfflineSale, Redemption, Settlement
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import period_of
from tests.conftest import app_on_fresh_database
from tests.counter.offline.conftest import last_month_moment
from tests.counter.test_concurrency import at_once, call
from tests.factories import ROOT, Factories
from tests.load.server import serving


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
        with serving(app, folder, workers=4) as address:
            yield app, scene, address


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


def test_an_offline_sale_of_a_month_synced_while_the_month_is_settled_is_paid_once(fresh_app):
    """On PostgreSQL an offline sale of a month that had ended, synced while an admin settled
    that month, read the month unsettled and was counted in it after the settlement had read
    the month: the settlement paid 2 points of a month whose sales came to 8. The sale now
    locks the shop's row shared before it decides its month, and the settlement locks it for
    update before it reads the month: the sale lands before the settlement (which pays it) or
    after it (and counts in the current month)."""
    from tests.ledger.test_concurrency import run_at_once

    rounds = 8
    made_at = last_month_moment()
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        admin = make.staff("admin", village)
        period = period_of(made_at, village.timezone)
        scenes = []
        for _ in range(rounds):
            shop = make.shop(village)
            keeper = make.staff("shopkeeper", village, shop)
            household = make.household(village)
            make.award(household, 100)
            salt = goods.create_product(ROOT, shop.id, name="盐", points_price=2, stock=100)
            scenes.append((shop.id, keeper, household.id, salt.id))
        db.session.commit()
        village_id = village.id

    def sale(keeper, shop_id, household_id, product_id, quantity, key):
        body = offline_sale(shop_id, household_id, product_id, made_at)
        body["items"][0]["quantity"] = quantity
        response = fresh_app.test_client().post(
            "/api/v1/redemptions", json=body, headers={**keeper.auth, "Idempotency-Key": key}
        )
        return response.status_code

    for shop_id, keeper, household_id, product_id in scenes:
        assert sale(keeper, shop_id, household_id, product_id, 1, f"before-{shop_id}") == 201

        def settle_or_sell(index, shop_id=shop_id, keeper=keeper, household_id=household_id,
                           product_id=product_id):  # fmt: skip
            if index == 0:
                return (
                    fresh_app.test_client()
                    .post(
                        f"/api/v1/shops/{shop_id}/settlements/{period}",
                        headers={**admin.auth, "Idempotency-Key": f"settle-{shop_id}"},
                    )
                    .status_code
                )
            return sale(keeper, shop_id, household_id, product_id, 3, f"during-{shop_id}")

        assert run_at_once(2, settle_or_sell) == [201, 201]

    with fresh_app.app_context():
        for shop_id, *_ in scenes:
            settled = db.session.execute(
                sa.select(Settlement.points).where(
                    Settlement.shop_id == shop_id, Settlement.period == period
                )
            ).scalar_one()
            sold = db.session.execute(
                sa.select(sa.func.sum(Transfer.amount))
                .join(Redemption, Redemption.transfer_id == Transfer.id)
                .where(Redemption.shop_id == shop_id, Transfer.period == period)
            ).scalar_one()
            assert settled == sold
        assert verify_village(village_id).ok
