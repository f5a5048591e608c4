"""Shops, goods and stock through the API: permissions, recorded moves, never below zero."""

import io
import os

import pytest
import sqlalchemy as sa
from PIL import Image

from pointsmart.counter.models import StockMove
from pointsmart.counter.stock import stock_discrepancies
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from tests.audit.test_api_changes_are_audited import _last as last_audit_entry


def moves_of(product_id):
    return db.session.execute(
        sa.select(StockMove.kind, StockMove.delta, StockMove.stock_after, StockMove.memo)
        .where(StockMove.product_id == product_id)
        .order_by(StockMove.id)
    ).all()


def test_an_admin_opens_a_shop_with_its_account(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    leader = make.staff("leader", village)

    shop = api.post(f"/villages/{village.id}/shops", json={"name": "二组小卖部"}, as_=admin)
    listed = api.get(f"/villages/{village.id}/shops", as_=leader)

    assert shop["name"] == "二组小卖部"
    assert shop["active"] is True
    assert [s["id"] for s in listed["items"]] == [shop["id"]]
    assert ledger.account_balance(village.id, f"shop:{shop['id']}") == 0
    again = api.post(
        f"/villages/{village.id}/shops", json={"name": "二组小卖部"}, as_=admin, expect=422
    )
    assert "name" in again["errors"]
    assert api.post(f"/villages/{village.id}/shops", json={"name": "x"}, as_=leader, expect=403)
    assert api.get(
        f"/villages/{village.id}/shops", as_=make.staff("admin", make.village()), expect=403
    )
    assert api.get("/villages/999999/shops", as_=admin, expect=404)


def test_the_keeper_adds_goods_and_the_opening_stock_is_a_move(api, counter):
    product = api.post(
        f"/shops/{counter.shop.id}/products",
        json={"name": "毛巾", "points_price": 40, "stock": 12, "low_stock_at": 3},
        as_=counter.keeper,
    )

    assert {k: product[k] for k in ("name", "points_price", "stock", "low_stock", "active")} == {
        "name": "毛巾",
        "points_price": 40,
        "stock": 12,
        "low_stock": False,
        "active": True,
    }
    assert moves_of(product["id"]) == [("in", 12, 12, "期初库存")]
    listed = api.get(f"/shops/{counter.shop.id}/products", as_=counter.keeper)["items"]
    assert [p["name"] for p in listed] == sorted(["毛巾", "香皂", "大米 5kg"])


def test_stock_in_and_out_are_recorded_and_never_go_below_zero(api, counter):
    pid = counter.soap.id

    came = api.post(f"/products/{pid}/stock", json={"delta": 5, "memo": "进货"}, as_=counter.keeper)
    went = api.post(
        f"/products/{pid}/stock", json={"delta": -13, "memo": "过期"}, as_=counter.admin
    )
    too_many = api.post(
        f"/products/{pid}/stock", json={"delta": -3}, as_=counter.keeper, expect=409
    )
    zero = api.post(f"/products/{pid}/stock", json={"delta": 0}, as_=counter.keeper, expect=422)

    assert (came["product"]["stock"], came["move"]["kind"]) == (15, "in")
    assert (went["product"]["stock"], went["move"]["kind"], went["product"]["low_stock"]) == (
        2,
        "out",
        True,
    )
    assert too_many["code"] == "out_of_stock"
    assert "delta" in zero["errors"]
    assert moves_of(pid)[-2:] == [("in", 5, 15, "进货"), ("out", -13, 2, "过期")]
    history = api.get(f"/products/{pid}/stock-moves", as_=counter.keeper)["items"]
    assert [m["delta"] for m in history] == [-13, 5, 10]
    assert stock_discrepancies(counter.shop.id) == []


def test_a_stock_move_with_an_idempotency_key_happens_once(api, counter):
    path = f"/products/{counter.soap.id}/stock"
    first = api.post(path, json={"delta": 4}, as_=counter.keeper, key="delivery-7")
    again = api.post(path, json={"delta": 4}, as_=counter.keeper, key="delivery-7")

    assert first == again
    assert again["product"]["stock"] == 14


def test_only_the_admin_or_the_shops_keeper_manage_goods(api, counter):
    other_keeper = counter.make.staff(
        "shopkeeper", counter.village, counter.make.shop(counter.village)
    )
    leader = counter.make.staff("leader", counter.village)
    body = {"name": "牙膏", "points_price": 30}

    for who in (other_keeper, leader):
        assert api.post(f"/shops/{counter.shop.id}/products", json=body, as_=who, expect=403)
        assert api.post(
            f"/products/{counter.soap.id}/stock", json={"delta": 1}, as_=who, expect=403
        )
        assert api.request(
            "PATCH", f"/products/{counter.soap.id}", json={"points_price": 1}, as_=who, expect=403
        )
    assert api.get(f"/shops/{counter.shop.id}/products", as_=leader)  # staff may look
    assert api.get(
        f"/shops/{counter.shop.id}/products",
        as_=counter.make.staff("admin", counter.make.village()),
        expect=403,
    )


def test_goods_are_validated(api, counter):
    path = f"/shops/{counter.shop.id}/products"
    cases = [
        ({"name": "香皂", "points_price": 5}, "name"),  # the shop has it already
        ({"name": "牙刷", "points_price": 0}, "points_price"),
        ({"name": "牙刷", "points_price": 5, "stock": -1}, "stock"),
        ({"name": "", "points_price": 5}, "name"),
        ({"name": "牙刷", "points_price": "5"}, "points_price"),
    ]
    for body, field in cases:
        problem = api.post(path, json=body, as_=counter.keeper, expect=422)
        assert field in problem["errors"], body


def test_price_and_offering_change_but_not_the_stock(api, counter):
    changed = api.request(
        "PATCH",
        f"/products/{counter.soap.id}",
        json={"points_price": 25, "active": False},
        as_=counter.keeper,
        expect=200,
    ).get_json()

    assert (changed["points_price"], changed["active"], changed["stock"]) == (25, False, 10)
    offered = api.get(f"/shops/{counter.shop.id}/products?active=true", as_=counter.keeper)["items"]
    assert counter.soap.id not in [p["id"] for p in offered]
    unknown = api.request(
        "PATCH", f"/products/{counter.soap.id}", json={"stock": 99}, as_=counter.keeper, expect=422
    )
    assert "stock" in unknown.get_json()["errors"]


def picture(format_="PNG", size=(1200, 900)):
    data = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(data, format=format_)
    return data.getvalue()


@pytest.fixture(autouse=True)
def photo_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PRODUCT_PHOTO_DIR", str(tmp_path / "photos"))


def test_removing_a_photo_is_audited(api, counter):
    path = f"/products/{counter.soap.id}/photo"
    photo = {"photo": (io.BytesIO(picture()), "soap.jpg", "image/jpeg")}
    api.request(
        "PUT", path, data=photo, content_type="multipart/form-data", as_=counter.keeper, expect=200
    )

    api.request("DELETE", path, as_=counter.keeper, expect=204)

    removed = last_audit_entry("product.photo_remove")
    assert (removed.actor_id, removed.target_id) == (counter.keeper.user_id, counter.soap.id)
    assert removed.village_id == counter.shop.village_id


def test_a_photo_is_checked_by_content_reencoded_and_served_as_jpeg(api, counter):
    path = f"/products/{counter.soap.id}/photo"
    uploaded = api.request(
        "PUT",
        path,
        data={"photo": (io.BytesIO(picture()), "soap.html", "text/html")},
        content_type="multipart/form-data",
        as_=counter.keeper,
        expect=200,
    ).get_json()

    assert uploaded["has_photo"] is True
    audited = last_audit_entry("product.photo_set")
    assert (audited.actor_id, audited.target_id) == (counter.keeper.user_id, counter.soap.id)
    served = api.request("GET", path, expect=200)
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 800


def test_a_file_that_is_not_a_picture_is_refused(api, counter):
    path = f"/products/{counter.soap.id}/photo"
    for data in (b"<html><script>alert(1)</script></html>", picture()[:200], b""):
        problem = api.request(
            "PUT",
            path,
            data={"photo": (io.BytesIO(data), "soap.png", "image/png")},
            content_type="multipart/form-data",
            as_=counter.keeper,
            expect=422,
        ).get_json()
        assert problem["code"] == "photo_rejected"
    assert api.request("GET", path, expect=404)


def test_a_photo_over_the_size_limit_is_refused(api, counter, monkeypatch):
    # (a small limit here: the test client spools big bodies to files it never closes)
    monkeypatch.setattr("pointsmart.counter.photos.MAX_BYTES", 1000)
    noise = Image.frombytes("RGB", (100, 100), os.urandom(30_000))
    data = io.BytesIO()
    noise.save(data, format="PNG")
    big = {"photo": (io.BytesIO(data.getvalue()), "a.png", "image/png")}
    problem = api.request(
        "PUT",
        f"/products/{counter.soap.id}/photo",
        data=big,
        content_type="multipart/form-data",
        as_=counter.keeper,
        expect=422,
    ).get_json()
    assert problem["code"] == "photo_rejected"


def test_goods_are_listed_in_the_shops_own_order_then_by_name(api, counter):
    """Placed goods first by their place, then the others in pinyin order (大米 before 酱油)."""
    for name in ("酱油", "毛巾"):
        counter.product(name, 10, 5)
    towel = api.get(f"/shops/{counter.shop.id}/products", as_=counter.keeper)["items"]
    towel_id = next(p["id"] for p in towel if p["name"] == "毛巾")
    api.request(
        "PATCH", f"/products/{towel_id}", json={"position": 1}, as_=counter.keeper, expect=200
    )
    created = api.post(
        f"/shops/{counter.shop.id}/products",
        json={"name": "食盐", "points_price": 5, "position": 2},
        as_=counter.keeper,
    )

    listed = api.get(f"/shops/{counter.shop.id}/products", as_=counter.keeper)["items"]

    assert created["position"] == 2
    assert [p["name"] for p in listed] == ["毛巾", "食盐", "大米 5kg", "酱油", "香皂"]
    assert [p["position"] for p in listed] == [1, 2, None, None, None]
    cleared = api.request(
        "PATCH", f"/products/{towel_id}", json={"position": None}, as_=counter.keeper, expect=200
    ).get_json()
    assert cleared["position"] is None
    listed = api.get(f"/shops/{counter.shop.id}/products", as_=counter.keeper)["items"]
    assert [p["name"] for p in listed] == ["食盐", "大米 5kg", "酱油", "毛巾", "香皂"]
    refused = api.request(
        "PATCH", f"/products/{towel_id}", json={"position": 0}, as_=counter.keeper, expect=422
    )
    assert "position" in refused.get_json()["errors"]


def test_a_photo_upload_without_the_photo_field_is_refused_in_the_callers_language(api, counter):
    path = f"/products/{counter.soap.id}/photo"

    problem = api.request(
        "PUT",
        path,
        data={"picture": (io.BytesIO(picture()), "soap.png", "image/png")},
        content_type="multipart/form-data",
        as_=counter.keeper,
        expect=422,
    ).get_json()
    english = api.request(
        "PUT",
        path,
        data={"picture": (io.BytesIO(picture()), "soap.png", "image/png")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
        as_=counter.keeper,
        expect=422,
    ).get_json()

    assert problem["code"] == "photo_rejected"
    assert problem["errors"] == {"photo": ["请把照片放在表单字段 photo 里上传。"]}
    assert english["errors"] == {"photo": ["Send the picture as the form field photo."]}
