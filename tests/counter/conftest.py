"""A village with a shop, its keeper, an admin, a household with points and a card, and goods."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from pointsmart.counter import goods
from pointsmart.counter.models import Product, Shop
from pointsmart.households.cards import IssuedCard, issue_card
from pointsmart.households.models import Household
from pointsmart.villages.models import Village
from tests.factories import ROOT, Factories, Staff


@dataclass
class Counter:
    make: Factories
    village: Village
    shop: Shop
    keeper: Staff
    admin: Staff
    household: Household
    card: IssuedCard
    soap: Product  # 20 points, 10 in stock
    rice: Product  # 250 points, 2 in stock

    def product(self, name: str, price: int, stock: int, shop: Shop | None = None, **kw: Any):
        return goods.create_product(
            ROOT, (shop or self.shop).id, name=name, points_price=price, stock=stock, **kw
        )

    def sale(self, *lines: tuple[Product, int], card: str | None = None, **extra: Any) -> dict:
        """A POST /redemptions body."""
        return {
            "card_token": card or self.card.token,
            "shop_id": self.shop.id,
            "items": [{"product_id": p.id, "quantity": q} for p, q in lines],
            **extra,
        }


@pytest.fixture
def counter(make) -> Counter:
    village = make.village()
    shop = make.shop(village, name="幸福超市")
    household = make.household(village, number="XF-001", head_name="王建国")
    make.award(household, 300)
    counter = Counter(
        make=make,
        village=village,
        shop=shop,
        keeper=make.staff("shopkeeper", village, shop),
        admin=make.staff("admin", village),
        household=household,
        card=issue_card(household.id),
        soap=None,
        rice=None,
    )
    counter.soap = counter.product("香皂", 20, 10)
    counter.rice = counter.product("大米 5kg", 250, 2)
    return counter
