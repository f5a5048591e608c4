"""Sales at once, through the HTTP API, against the production server with several workers.

A real server (granian, ``tests/load/server.py``, four workers) runs on a database of its own
(SQLite, or
PostgreSQL when ``TEST_DATABASE_URL`` names a server), and threads fire requests at it through
a barrier, so they arrive together and the workers race for the same rows:

* 32 one-point sales against a balance of 10: exactly 10 sales, 22 ``insufficient_points``;
* 20 sales of goods with stock 5: exactly 5 sales, 15 ``out_of_stock``;
* one Idempotency-Key sent 10 times at once: one sale, ten identical answers.
"""

from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from pointsmart.counter import goods
from pointsmart.counter.models import Product, Redemption
from pointsmart.counter.stock import stock_discrepancies
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.verify import verify_village
from tests.conftest import app_on_fresh_database
from tests.factories import ROOT, Factories
from tests.load.server import serving

WORKERS = 4


@dataclass
class Scene:
    village_id: int
    shop_id: int
    auth: dict[str, str]
    poor: int  # a household with 10 points
    rich: int  # a household with 10,000 points
    other: int  # another household with 10,000 points
    penny: int  # goods at 1 point, plenty in stock
    scarce: int  # goods at 1 point, 5 in stock


def build_scene(app) -> Scene:
    with app.app_context():
        make = Factories()
        village = make.village()
        shop = make.shop(village)
        keeper = make.staff("shopkeeper", village, shop)
        poor, rich, other = (make.household(village) for _ in range(3))
        make.award(poor, 10)
        make.award(rich, 10_000)
        make.award(other, 10_000)
        penny = goods.create_product(ROOT, shop.id, name="火柴", points_price=1, stock=1000)
        scarce = goods.create_product(ROOT, shop.id, name="限量香油", points_price=1, stock=5)
        db.session.commit()
        return Scene(
            village.id, shop.id, keeper.auth, poor.id, rich.id, other.id, penny.id, scarce.id
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    with app_on_fresh_database(folder) as app:
        scene = build_scene(app)
        with serving(app, folder, workers=WORKERS) as address:
            yield app, scene, address


def call(address: str, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
    host, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        payload = json.dumps(body) if body is not None else None
        connection.request(
            method,
            path,
            body=payload,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else {}
    finally:
        connection.close()


def at_once(count: int, work):
    start = threading.Barrier(count)

    def worker(index):
        start.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


def sale(scene: Scene, household: int, product: int) -> dict:
    return {
        "household_id": household,
        "shop_id": scene.shop_id,
        "items": [{"product_id": product, "quantity": 1}],
    }


def codes(answers) -> list[str]:
    return sorted(body.get("code", str(status)) for status, body in answers)


def test_32_one_point_sales_against_10_points_sell_exactly_10(server):
    app, scene, address = server

    answers = at_once(
        32,
        lambda i: call(
            address,
            "POST",
            "/api/v1/redemptions",
            sale(scene, scene.poor, scene.penny),
            {**scene.auth, "Idempotency-Key": f"poor-{i}"},
        ),
    )

    assert [status for status, _ in answers].count(201) == 10
    assert codes(answers) == ["201"] * 10 + ["insufficient_points"] * 22
    with app.app_context():
        assert ledger.account_balance(scene.village_id, f"household:{scene.poor}") == 0
        assert sorted(body["balance_after"] for status, body in answers if status == 201) == list(
            range(10)
        )
        assert verify_village(scene.village_id).ok


def test_20_sales_at_once_of_goods_with_stock_5_sell_exactly_5(server):
    app, scene, address = server

    answers = at_once(
        20,
        lambda i: call(
            address,
            "POST",
            "/api/v1/redemptions",
            sale(scene, scene.rich, scene.scarce),
            {**scene.auth, "Idempotency-Key": f"scarce-{i}"},
        ),
    )

    assert codes(answers) == ["201"] * 5 + ["out_of_stock"] * 15
    with app.app_context():
        stock = db.session.execute(
            sa.select(Product.stock).where(Product.id == scene.scarce)
        ).scalar_one()
        assert stock == 0
        assert stock_discrepancies(scene.shop_id) == []
        assert ledger.account_balance(scene.village_id, f"household:{scene.rich}") == 10_000 - 5
        assert verify_village(scene.village_id).ok


def test_one_idempotency_key_sent_10_times_at_once_sells_once(server):
    app, scene, address = server
    with app.app_context():
        before = db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar_one()

    answers = at_once(
        10,
        lambda i: call(
            address,
            "POST",
            "/api/v1/redemptions",
            sale(scene, scene.other, scene.penny),
            {**scene.auth, "Idempotency-Key": "the-same-key"},
        ),
    )

    assert {status for status, _ in answers} == {201}
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1
    with app.app_context():
        after = db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar_one()
        assert after == before + 1
        assert ledger.account_balance(scene.village_id, f"household:{scene.other}") == 10_000 - 1
        assert verify_village(scene.village_id).ok


def test_one_sale_voided_from_8_requests_at_once_is_voided_once(server):
    app, scene, address = server
    status, sold = call(
        address,
        "POST",
        "/api/v1/redemptions",
        sale(scene, scene.rich, scene.penny),
        {**scene.auth, "Idempotency-Key": "to-void"},
    )
    assert status == 201

    answers = at_once(
        8,
        lambda i: call(
            address,
            "POST",
            f"/api/v1/redemptions/{sold['id']}/void",
            {},
            {**scene.auth, "Idempotency-Key": f"void-{i}"},
        ),
    )

    assert codes(answers) == ["200"] + ["already_voided"] * 7
    with app.app_context():
        assert stock_discrepancies(scene.shop_id) == []
        assert verify_village(scene.village_id).ok


def test_sales_and_voids_of_one_household_and_goods_at_once_all_go_through(server):
    """A void locks the household's and the shop's accounts before it puts the goods back,
    the order a sale takes them in: sales and voids of the same household and goods, at once,
    wait for each other and never deadlock (PostgreSQL would refuse one of a deadlocked pair
    with an error)."""
    app, scene, address = server
    with app.app_context():
        balance = ledger.account_balance(scene.village_id, f"household:{scene.other}")
    earlier = []
    for i in range(6):
        status, sold = call(
            address,
            "POST",
            "/api/v1/redemptions",
            sale(scene, scene.other, scene.penny),
            {**scene.auth, "Idempotency-Key": f"earlier-{i}"},
        )
        assert status == 201
        earlier.append(sold["id"])

    def sell_or_void(i):
        if i % 2:
            path, body = f"/api/v1/redemptions/{earlier[i // 2]}/void", {}
        else:
            path, body = "/api/v1/redemptions", sale(scene, scene.other, scene.penny)
        return call(address, "POST", path, body, {**scene.auth, "Idempotency-Key": f"mix-{i}"})

    answers = at_once(12, sell_or_void)

    assert codes(answers) == ["200"] * 6 + ["201"] * 6
    with app.app_context():
        assert ledger.account_balance(scene.village_id, f"household:{scene.other}") == balance - 6
        assert stock_discrepancies(scene.shop_id) == []
        assert verify_village(scene.village_id).ok
