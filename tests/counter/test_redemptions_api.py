"""POST /redemptions: one transfer and the stock moves together, or nothing; every refusal."""

import sqlalchemy as sa

from pointsmart.counter.models import Product, Redemption, StockMove
from pointsmart.extensions import db
from pointsmart.households.cards import format_code, issue_card
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from tests.conftest import count_rows


def balance(counter):
    return ledger.account_balance(counter.village.id, f"household:{counter.household.id}")


def stock(product):
    return db.session.execute(sa.select(Product.stock).where(Product.id == product.id)).scalar_one()


def test_a_sale_posts_one_transfer_and_moves_the_stock(api, counter):
    body = counter.sale((counter.soap, 2), (counter.rice, 1))

    sale = api.post("/redemptions", json=body, as_=counter.keeper, key=True)

    assert sale["total_points"] == 2 * 20 + 250
    assert sale["balance_after"] == 300 - 290
    assert sale["household"] == {
        "household_id": counter.household.id,
        "number": "XF-001",
        "head_name": "王建国",
        "balance": 10,
    }
    assert [(i["name"], i["quantity"], i["points"]) for i in sale["items"]] == [
        ("香皂", 2, 40),
        ("大米 5kg", 1, 250),
    ]
    transfer = db.session.get(Transfer, sale["transfer_id"])
    assert (transfer.kind, transfer.amount, transfer.household_id) == (
        "redeem",
        290,
        counter.household.id,
    )
    assert (stock(counter.soap), stock(counter.rice)) == (8, 1)
    moves = db.session.execute(
        sa.select(StockMove.kind, StockMove.delta, StockMove.stock_after)
        .where(StockMove.redemption_id == sale["id"])
        .order_by(StockMove.product_id)
    ).all()
    assert moves == [("sale", -2, 8), ("sale", -1, 1)]
    assert balance(counter) == 10
    assert verify_village(counter.village.id).ok


def test_the_card_url_short_code_or_household_id_all_work(api, counter):
    for who in (
        {"card_token": counter.card.url},
        {"card_token": format_code(counter.card.code)},
        {"household_id": counter.household.id},
    ):
        body = {
            "shop_id": counter.shop.id,
            "items": [{"product_id": counter.soap.id, "quantity": 1}],
        }
        api.post("/redemptions", json={**body, **who}, as_=counter.keeper, key=True)
    assert stock(counter.soap) == 7


def test_the_same_product_twice_in_one_sale_counts_once_per_line(api, counter):
    body = counter.sale((counter.soap, 1), (counter.soap, 2))

    sale = api.post("/redemptions", json=body, as_=counter.keeper, key=True)

    assert sale["items"] == [
        {
            "product_id": counter.soap.id,
            "name": "香皂",
            "points_price": 20,
            "quantity": 3,
            "points": 60,
        }
    ]


def test_not_enough_points_refuses_and_writes_nothing(api, counter):
    before = count_rows(Transfer), count_rows(StockMove), count_rows(Redemption)

    problem = api.post(
        "/redemptions",
        json=counter.sale((counter.rice, 2)),
        as_=counter.keeper,
        key=True,
        expect=409,
    )

    assert problem["code"] == "insufficient_points"
    assert (count_rows(Transfer), count_rows(StockMove), count_rows(Redemption)) == before
    assert stock(counter.rice) == 2


def test_out_of_stock_refuses_and_names_the_goods(api, counter):
    counter.make.award(counter.household, 1000)

    problem = api.post(
        "/redemptions",
        json=counter.sale((counter.rice, 3)),
        as_=counter.keeper,
        key=True,
        expect=409,
    )

    assert problem["code"] == "out_of_stock"
    assert problem["product_id"] == counter.rice.id
    assert problem["stock"] == 2
    assert balance(counter) == 1300


def test_a_revoked_card_is_refused_with_410(api, counter):
    issue_card(counter.household.id)  # the household reported its card lost

    problem = api.post(
        "/redemptions",
        json=counter.sale((counter.soap, 1)),
        as_=counter.keeper,
        key=True,
        expect=410,
    )

    assert problem["code"] == "card_revoked"


def test_a_households_number_sent_for_its_card_is_refused_saying_which_code(api, counter):
    problem = api.post(
        "/redemptions",
        json=counter.sale((counter.soap, 1), card="XF-001"),
        as_=counter.keeper,
        key=True,
        expect=404,
    )

    assert problem["code"] == "card_not_found"
    assert problem["detail"] == "XF-001 是户号。请扫卡，或输入卡上“手输号码”下面印的号码。"


def test_unknown_and_mistyped_cards(api, counter):
    code = counter.card.code
    typo = code[:2] + ("X" if code[2] != "X" else "Y") + code[3:]

    assert (
        api.post(
            "/redemptions",
            json=counter.sale((counter.soap, 1), card="not.ours"),
            as_=counter.keeper,
            key=True,
            expect=404,
        )["code"]
        == "card_not_found"
    )
    assert (
        api.post(
            "/redemptions",
            json=counter.sale((counter.soap, 1), card=typo),
            as_=counter.keeper,
            key=True,
            expect=422,
        )["code"]
        == "card_code_mistyped"
    )


def test_another_shops_keeper_gets_wrong_shop(api, counter):
    other = counter.make.shop(counter.village)
    other_keeper = counter.make.staff("shopkeeper", counter.village, other)

    problem = api.post(
        "/redemptions", json=counter.sale((counter.soap, 1)), as_=other_keeper, key=True, expect=403
    )

    assert problem["code"] == "wrong_shop"


def test_only_a_shopkeeper_sells(api, counter):
    leader = counter.make.staff("leader", counter.village)
    body = counter.sale((counter.soap, 1))

    assert (
        api.post("/redemptions", json=body, as_=counter.admin, key=True, expect=403)["code"]
        == "forbidden"
    )
    assert (
        api.post("/redemptions", json=body, as_=leader, key=True, expect=403)["code"] == "forbidden"
    )
    assert api.post("/redemptions", json=body, key=True, expect=401)


def test_a_card_of_another_village_is_refused(api, counter):
    elsewhere = counter.make.household(counter.make.village())
    card = issue_card(elsewhere.id)

    problem = api.post(
        "/redemptions",
        json=counter.sale((counter.soap, 1), card=card.token),
        as_=counter.keeper,
        key=True,
        expect=403,
    )

    assert problem["code"] == "card_of_another_village"


def test_goods_of_another_shop_or_inactive_goods_are_refused(api, counter):
    other_shop = counter.make.shop(counter.village)
    theirs = counter.product("酱油", 30, 5, shop=other_shop)
    retired = counter.product("旧毛巾", 40, 5, active=False)

    wrong = api.post(
        "/redemptions", json=counter.sale((theirs, 1)), as_=counter.keeper, key=True, expect=422
    )
    inactive = api.post(
        "/redemptions", json=counter.sale((retired, 1)), as_=counter.keeper, key=True, expect=409
    )

    assert "items" in wrong["errors"]
    assert inactive["code"] == "product_inactive"


def test_the_body_is_validated(api, counter):
    base = counter.sale((counter.soap, 1))
    cases = [
        {**base, "items": []},
        {**base, "items": [{"product_id": counter.soap.id, "quantity": 0}]},
        {**base, "items": [{"product_id": counter.soap.id, "quantity": "1"}]},
        {k: v for k, v in base.items() if k != "card_token"},
        {**base, "household_id": counter.household.id},
    ]
    for body in cases:
        problem = api.post("/redemptions", json=body, as_=counter.keeper, key=True, expect=422)
        assert problem["code"] == "validation_failed", body


def test_a_sale_needs_an_idempotency_key_and_a_replay_sells_once(api, counter):
    body = counter.sale((counter.soap, 1))
    assert (
        api.post("/redemptions", json=body, as_=counter.keeper, expect=400)["code"]
        == "idempotency_key_required"
    )

    first = api.request(
        "POST", "/redemptions", json=body, as_=counter.keeper, key="sale-1", expect=201
    )
    again = api.request(
        "POST", "/redemptions", json=body, as_=counter.keeper, key="sale-1", expect=201
    )
    other = api.post(
        "/redemptions",
        json=counter.sale((counter.soap, 2)),
        as_=counter.keeper,
        key="sale-1",
        expect=422,
    )

    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other["code"] == "idempotency_key_reused"
    assert stock(counter.soap) == 9


def test_a_closed_shop_and_a_household_that_moved_away(api, counter):
    counter.household.status = "moved_away"
    problem = api.post(
        "/redemptions",
        json=counter.sale((counter.soap, 1)),
        as_=counter.keeper,
        key=True,
        expect=409,
    )
    assert problem["code"] == "account_closed"

    counter.household.status = "active"
    counter.shop.active = False
    problem = api.post(
        "/redemptions",
        json=counter.sale((counter.soap, 1)),
        as_=counter.keeper,
        key=True,
        expect=409,
    )
    assert problem["code"] == "shop_closed"


def test_the_receipt_can_be_read_back_by_the_keeper_and_admin_only(api, counter):
    sale = api.post(
        "/redemptions", json=counter.sale((counter.soap, 1)), as_=counter.keeper, key=True
    )
    leader = counter.make.staff("leader", counter.village)

    assert api.get(f"/redemptions/{sale['id']}", as_=counter.keeper) == sale
    assert api.get(f"/redemptions/{sale['id']}", as_=counter.admin)["id"] == sale["id"]
    assert api.get(f"/redemptions/{sale['id']}", as_=leader, expect=403)
    assert api.get("/redemptions/999999", as_=counter.admin, expect=404)
