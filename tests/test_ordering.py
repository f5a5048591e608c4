"""Names in the order people expect: numbers (Chinese numerals or digits) by their value, then
text by pinyin; grids and goods are listed so on every page that shows them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointsmart.board import screens as public
from pointsmart.counter import goods
from pointsmart.counter.models import Product
from pointsmart.extensions import db
from pointsmart.households import card_sheet
from pointsmart.ordering import chinese_number, natural_sorted
from pointsmart.villagers.service import goods_for
from pointsmart.villages import service as villages
from tests.factories import ROOT


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百", 100),
        ("一百零五", 105), ("一百一十", 110), ("两千零二十六", 2026), ("二〇二六", 2026),
        ("九千九百九十九", 9999), ("零", 0),
    ],
)  # fmt: skip
def test_chinese_numerals_are_read_as_numbers(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize("text", ["十十", "零一百", "一二十", "一百十", "百十"])
def test_characters_that_do_not_make_a_number_are_not_read_as_one(text):
    assert chinese_number(text) is None


def test_grid_names_go_by_their_numbers_not_by_character_code():
    names = ["三组", "十一组", "二组", "十组", "一组"]
    assert sorted(names) == ["一组", "三组", "二组", "十一组", "十组"]  # what the database did
    assert natural_sorted(names) == ["一组", "二组", "三组", "十组", "十一组"]
    assert natural_sorted(["第10网格", "第2网格", "第1网格"]) == ["第1网格", "第2网格", "第10网格"]


def test_goods_go_by_pinyin_and_their_digits_by_value():
    names = ["洗衣液", "酱油", "大米10斤", "大米5斤", "毛巾", "Apple", "banana"]
    assert natural_sorted(names) == [
        "Apple", "banana", "大米5斤", "大米10斤", "酱油", "毛巾", "洗衣液"
    ]  # fmt: skip


@given(st.lists(st.integers(min_value=1, max_value=9999), min_size=1, max_size=20))
def test_numbered_grids_in_any_order_come_out_in_numeric_order(numbers):
    names = [f"第{n}组" for n in numbers]
    assert natural_sorted(names) == [f"第{n}组" for n in sorted(numbers)]


def test_every_list_of_grids_is_in_natural_order(make):
    village = make.village()
    for name in ["三组", "一组", "十组", "二组"]:
        make.grid(village, name=name)
    expected = ["一组", "二组", "三组", "十组"]
    assert [g.name for g in villages.list_grids(ROOT, village.id)] == expected
    assert [g.name for g in card_sheet.grids_of(village.id)] == expected
    assert [g["name"] for g in public.grids_of(village.id)] == expected


def test_goods_are_listed_in_natural_order_at_the_shop_and_on_my_page(make):
    village = make.village()
    shop = make.shop(village)
    for name in ["洗衣液", "酱油", "大米10斤", "大米5斤"]:
        db.session.add(Product(shop_id=shop.id, name=name, points_price=10, stock=5))
    db.session.add(Product(shop_id=shop.id, name="食盐", points_price=5, stock=5))
    db.session.flush()
    assert [p.name for p in goods.list_products(ROOT, shop.id)] == [
        "大米5斤", "大米10斤", "酱油", "食盐", "洗衣液"
    ]  # fmt: skip
    # the villager's page: cheapest first, then by name
    assert [g["name"] for g in goods_for(village.id, balance=100)] == [
        "食盐", "大米5斤", "大米10斤", "酱油", "洗衣液"
    ]  # fmt: skip
