"""The 公示 sheet of an ended month printed while an offline sale of that month is synced:
real threads, real connections, real commits (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from pointsmart.accounts.auth import SESSION_TOKEN_KEY
from pointsmart.counter import goods
from pointsmart.counter.models import Redemption
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import period_of
from pointsmart.reports.sheet import sheet_to_print
from tests.counter.offline.conftest import last_month_moment
from tests.factories import ROOT, Factories
from tests.ledger.test_concurrency import run_at_once
from tests.reports.pdf import pdf_text


def test_an_offline_sale_synced_while_its_months_sheet_is_printed_is_on_the_sheet_or_not_in_that_month(  # noqa: E501
    fresh_app,
):
    """On PostgreSQL the sale read the month not printed yet and counted in it after the
    sheet had read the month: the month was marked printed, and its sheet lacked the sale.
    Printing now locks the village's row before it reads the month, and such a sale locks it
    shared before it decides its month: the sale is printed, or counts in the current month.
    """
    rounds = 6
    made_at = last_month_moment()
    scenes = []
    with fresh_app.app_context():
        make = Factories()
        for _ in range(rounds):
            village = make.village()
            admin = make.staff("admin", village)
            shop = make.shop(village)
            keeper = make.staff("shopkeeper", village, shop)
            household = make.household(village)
            make.award(household, 100)
            salt = goods.create_product(ROOT, shop.id, name="盐", points_price=2, stock=100)
            scenes.append((village.id, admin, shop.id, keeper, household.id, salt.id))
        period = period_of(made_at, village.timezone)
        db.session.commit()

    for village_id, admin, shop_id, keeper, household_id, product_id in scenes:

        def print_or_sell(index, scene=(village_id, admin, shop_id, keeper, household_id,
                                        product_id)):  # fmt: skip
            village_id, admin, shop_id, keeper, household_id, product_id = scene
            client = fresh_app.test_client()
            if index == 0:
                with client.session_transaction() as session:
                    session[SESSION_TOKEN_KEY] = admin.token
                response = client.get(f"/villages/{village_id}/reports/sheet.pdf?period={period}")
                assert response.status_code == 200
                return pdf_text(response.data)
            response = client.post(
                "/api/v1/redemptions",
                json={
                    "household_id": household_id,
                    "shop_id": shop_id,
                    "items": [{"product_id": product_id, "quantity": 1}],
                    "made_at": made_at.isoformat(),
                },
                headers={**keeper.auth, "Idempotency-Key": f"late-{shop_id}"},
            )
            assert response.status_code == 201
            return response.get_json()["id"]

        printed, sale_id = run_at_once(2, print_or_sell)

        with fresh_app.app_context():
            counted_in = db.session.execute(
                sa.select(Transfer.period)
                .join(Redemption, Redemption.transfer_id == Transfer.id)
                .where(Redemption.id == sale_id)
            ).scalar_one()
            number = db.session.get(Household, household_id).number
            assert (counted_in == period) == (number in printed)
            assert verify_village(village_id).ok


def test_only_an_ended_months_sheet_holds_the_village_while_it_is_made(fresh_app):
    """The current month's sheet is a draft: making it (a PDF takes seconds) must not hold up
    whatever waits for the village's row. An ended month's sheet holds it (see above)."""
    if fresh_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite locks the whole database for a writer, not rows")
    with fresh_app.app_context():
        village = Factories().village()
        db.session.commit()
        village_id = village.id
        last_month = period_of(utcnow() - dt.timedelta(days=35), village.timezone)
    take_the_row = sa.text("SELECT id FROM villages WHERE id = :id FOR UPDATE NOWAIT")

    def row_taken_while_printing(period) -> bool:
        with fresh_app.test_request_context():
            sheet_to_print(ROOT, village_id, period)  # its transaction stays open
            with db.engine.connect() as other:
                try:
                    other.execute(take_the_row, {"id": village_id})
                except sa.exc.OperationalError:  # LockNotAvailable
                    return True
                finally:
                    other.rollback()
                    db.session.rollback()
            return False

    assert row_taken_while_printing(None) is False
    assert row_taken_while_printing(last_month) is True
