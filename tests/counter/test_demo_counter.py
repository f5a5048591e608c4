"""The demo village's counter is ready to try: goods in stock, a card for every household."""

import sqlalchemy as sa

from pointsmart.counter.models import Product, StockMove
from pointsmart.demo import SHOPKEEPER
from pointsmart.extensions import db
from pointsmart.households.cards import current_card
from pointsmart.ledger.models import Account
from pointsmart.ledger.verify import verify_village
from tests.conftest import app_on_fresh_database


def test_the_demo_shop_has_goods_and_every_household_a_card(tmp_path):
    with app_on_fresh_database(tmp_path) as app:
        assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
        with app.app_context():
            products = db.session.execute(
                sa.select(
                    Product.id,
                    Product.shop_id,
                    Product.name,
                    Product.points_price,
                    Product.stock,
                    Product.low_stock_at,
                ).order_by(Product.id)
            ).all()
            balances = dict(
                db.session.execute(
                    sa.select(Account.household_id, Account.balance).where(
                        Account.household_id.is_not(None)
                    )
                ).all()
            )
            cards = {h: current_card(h) for h in balances}
            first_moves: dict[int, str] = {}
            for product_id, kind in db.session.execute(
                sa.select(StockMove.product_id, StockMove.kind).order_by(StockMove.id)
            ):
                first_moves.setdefault(product_id, kind)
            stock_by_moves = dict(
                db.session.execute(
                    sa.select(StockMove.product_id, sa.func.sum(StockMove.delta)).group_by(
                        StockMove.product_id
                    )
                ).all()
            )
            village_id = db.session.execute(sa.select(Account.village_id)).scalars().first()
            db.session.rollback()  # (SQLite: let the requests below take the write lock)

        assert len(products) == 9
        assert all(p.stock > 0 for p in products)
        assert any(p.stock <= p.low_stock_at for p in products)  # the low-stock warning shows
        assert first_moves == {p.id: "in" for p in products}  # each opening stock is a move
        # The demo's sales went through the counter: stock is what came in minus what was sold.
        assert stock_by_moves == {p.id: p.stock for p in products}
        assert all(card is not None and card.version == 1 for card in cards.values())

        client = app.test_client()
        token = client.post(
            "/api/v1/auth/token",
            json={"username": SHOPKEEPER.username, "password": SHOPKEEPER.password},
        ).get_json()["token"]
        soap = next(p for p in products if p.name == "香皂")
        richest = max(balances, key=balances.get)
        sale = client.post(
            "/api/v1/redemptions",
            json={
                "card_token": cards[richest].url,
                "shop_id": soap.shop_id,
                "items": [{"product_id": soap.id, "quantity": 1}],
            },
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "demo-1"},
        )
        assert sale.status_code == 201, sale.get_json()
        assert sale.get_json()["balance_after"] == balances[richest] - soap.points_price
        with app.app_context():
            assert verify_village(village_id).ok
