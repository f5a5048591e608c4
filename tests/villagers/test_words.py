"""How entries read on /me and on the card page: a void says what it undid in words (not
"兑换商品: 撤销兑换 54"), points carry the same signs on both pages, and each entry read aloud is a
sentence with the day as people say it, "1 件" for "x1" and no doubled full stops."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from pointsmart.counter import goods, sales, voids
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.households.cards import issue_card
from pointsmart.ledger import service as ledger
from pointsmart.villagers import service
from tests.factories import ROOT
from tests.villagers.test_pages import csrf_client, household_with_pin, sign_in  # noqa: F401


@pytest.fixture
def history(make):
    """Award 100 for 门前三包 (memo), a sale of 毛巾 x1 and 香皂 x2 (60) voided without a
    reason, a sale of 毛巾 x1 (20) that stands, and an award of 5 reversed with a reason."""
    village = make.village()
    household = household_with_pin(make, village, number="XF-009")
    shop = make.shop(village, name="村口小店")
    towel = goods.create_product(ROOT, shop.id, name="毛巾", points_price=20, stock=9)
    soap = goods.create_product(ROOT, shop.id, name="香皂", points_price=20, stock=9)
    keeper = make.staff("shopkeeper", village, shop).principal
    make.award(household, 100, memo="门前三包")
    card = issue_card(household.id)
    voided = sales.redeem_items(
        keeper, shop_id=shop.id, card_token=card.token,
        items=[{"product_id": towel.id, "quantity": 1}, {"product_id": soap.id, "quantity": 2}],
    )  # fmt: skip
    voids.void_redemption(keeper, voided.id)
    sales.redeem_items(
        keeper, shop_id=shop.id, card_token=card.token,
        items=[{"product_id": towel.id, "quantity": 1}],
    )  # fmt: skip
    mistaken = make.award(household, 5, memo="多记了")
    ledger.reverse(mistaken.id, reason="重复录入")
    db.session.commit()
    return household, card


def test_a_void_reads_as_what_it_undid_with_the_goods_in_words(ctx, history):
    household, _card = history
    entries = service.history_in_words(household.id, "Asia/Shanghai")
    heads = [(e["amount"], e["head"]) for e in entries]

    assert heads == [
        (-5, "撤销加分：多记了"),
        (5, "获得：多记了"),
        (-20, "兑换商品：毛巾 ×1"),
        (60, "撤销兑换：毛巾 ×1、香皂 ×2"),
        (-60, "兑换商品：毛巾 ×1、香皂 ×2"),
        (100, "获得：门前三包"),
    ]
    assert entries[0]["reason"] == "重复录入"
    assert entries[3]["reason"] == ""  # "撤销兑换 <id>" is no reason a villager can read
    assert all("撤销兑换 " not in e["head"] for e in entries)


def test_an_entry_read_aloud_is_a_plain_sentence(ctx, history):
    household, _card = history
    spoken = [e["spoken"] for e in service.history_in_words(household.id, "Asia/Shanghai")]
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai"))
    day = f"{today.month}月{today.day}日"

    assert spoken[0] == f"{day}，撤销加分：多记了，原因：重复录入，减 5 分。"
    assert spoken[2] == f"{day}，兑换商品：毛巾 1 件，减 20 分。"
    assert spoken[3] == f"{day}，撤销兑换：毛巾 1 件，香皂 2 件，加 60 分。"
    for sentence in spoken:
        assert "x1" not in sentence
        assert "。。" not in sentence
        assert not re.search(r"\d{2}-\d{2}", sentence)  # no 12-03


def test_my_page_and_the_card_page_say_the_same_with_the_same_signs(csrf_client, history):  # noqa: F811
    _household, card = history
    sign_in(csrf_client)
    mine = csrf_client.get("/me").get_data(as_text=True)
    on_card = csrf_client.get(f"/c/{card.token}").get_data(as_text=True)

    for html in (mine, on_card):
        assert re.search(r'id="month-earned">\+100<', html)  # the reversed 5 nets out
        assert re.search(r'id="month-redeemed">\u221220<', html)  # sold 80, 60 came back
        assert re.search(r'id="month-deducted">0<', html)
        assert "撤销兑换：毛巾 ×1、香皂 ×2" in html
        assert "撤销兑换 " not in html  # the void's id-bearing memo
        assert "冲正" not in html
        assert "更正" not in html
    assert "原因：重复录入" in mine
    speak = re.findall(r'data-speak="([^"]+)"', mine)
    assert speak[0].endswith("。")
    assert all("。。" not in part for part in speak)


def test_english_pages_read_in_english(csrf_client, history):  # noqa: F811
    sign_in(csrf_client)
    html = csrf_client.get("/me?lang=en").get_data(as_text=True)

    assert re.search(r"<html lang=\"en\"[ >]", html)
    assert "Exchange undone: 毛巾 ×1、香皂 ×2" in html
    assert re.search(r'data-speak="[A-Z][a-z]+ \d+, Award undone: 多记了, because: 重复录入, '
                     r'minus 5 points\."', html)  # fmt: skip
