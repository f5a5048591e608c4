"""A village with a known month: awards by two leaders (one through an approval, one
reversed), a red and a black list entry, a sale, goods in stock, and another village whose
figures must never show.

This month (``books.period``), in points:

* leader 1: 王建国 (XF-001) 30 + 20, 李秀英 (XF-002) 10, and 60 by the rule 好媳妇, above the
  approval threshold, approved (and so posted) by the admin: 120 over two households;
* leader 2: 张三明 (XF-003) 40, 5 more that the admin reversed, and a red entry 好人好事 +20:
  60 for one household;
* leader 1 puts 李秀英 on the black list (乱倒垃圾 -10);
* 王建国 takes 2 soaps (15 each) at the shop: 30.

So issued 180, deducted 10, redeemed 30, outstanding 140; balances 王建国 20, 李秀英 60,
张三明 60, 赵四 (XF-004) 0. Goods in stock: soap 8 x 15 + rice 5 x 100 = 620 points (an
inactive product's stock does not count). The village pays 0.50 yuan a point.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from pointsmart.awards import approvals
from pointsmart.awards import service as awards
from pointsmart.board import entries as board
from pointsmart.counter import goods, sales
from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.ledger import service as ledger
from pointsmart.periods import current_period
from pointsmart.villages.models import Village
from tests.awards.conftest import add_rule
from tests.counter.web import sign_in
from tests.factories import ROOT, Factories, Staff


@dataclass
class Books:
    make: Factories
    village: Village
    period: str
    admin: Staff
    leader: Staff
    second_leader: Staff
    keeper: Staff
    outsider: Staff  # admin of another village
    wang: Household
    li: Household
    zhang: Household
    zhao: Household


@pytest.fixture
def books(make) -> Books:
    village = make.village(yuan_per_point=Decimal("0.50"))
    grid = make.grid(village, name="一组")
    wang = make.household(
        village,
        grid=grid,
        number="XF-001",
        head_name="王建国",
        members=[{"name": "王小明", "relation": "子"}],
    )
    li = make.household(village, grid=grid, number="XF-002", head_name="李秀英")
    zhang = make.household(village, number="XF-003", head_name="张三明")
    zhao = make.household(village, number="XF-004", head_name="赵四")
    shop = make.shop(village, name="幸福超市")
    admin = make.staff("admin", village)
    leader = make.staff("leader", village)
    second_leader = make.staff("leader", village)
    keeper = make.staff("shopkeeper", village, shop)
    outsider_village = make.village()
    outsider = make.staff("admin", outsider_village)
    make.award(make.household(outsider_village), 999)

    for household, points in ((wang, 30), (wang, 20), (li, 10)):
        ledger.award(
            village.id, household.id, points, category="volunteer", posted_by_id=leader.user_id
        )
    good_daughter = add_rule(village, "hxf", "好媳妇", "rule", 60)
    waiting = awards.award_by_rule(
        leader.principal, household_id=li.id, rule_id=good_daughter.id, quantity=1
    )
    approvals.decide(admin.principal, waiting.approval.id, approve=True)

    ledger.award(village.id, zhang.id, 40, category="volunteer", posted_by_id=second_leader.user_id)
    mistaken = ledger.award(
        village.id, zhang.id, 5, category="volunteer", posted_by_id=second_leader.user_id
    )
    ledger.reverse(mistaken.id, reason="录错了", posted_by_id=admin.user_id)
    red = add_rule(village, "hrhs", "好人好事", "red", 20)
    black = add_rule(village, "ldlj", "乱倒垃圾", "black", -10)
    # With the 40 points the same leader gave 张三明 today, these 20 go over the approval
    # threshold of 50: the entry waits, and an admin approves it (issue 15, item 5).
    waiting = board.create_entry(
        second_leader.principal, household_id=zhang.id, rule_id=red.id, reason="帮助邻居"
    )
    approvals.decide(admin.principal, waiting.approval.id, approve=True)
    board.create_entry(
        leader.principal, household_id=li.id, rule_id=black.id, reason="垃圾倒在路边"
    )

    soap = goods.create_product(ROOT, shop.id, name="香皂", points_price=15, stock=10)
    goods.create_product(ROOT, shop.id, name="大米", points_price=100, stock=5)
    goods.create_product(ROOT, shop.id, name="旧货", points_price=50, stock=3, active=False)
    sales.redeem_items(
        keeper.principal,
        shop_id=shop.id,
        household_id=wang.id,
        items=[{"product_id": soap.id, "quantity": 2}],
    )
    ledger.write_pending_transfers()  # the sale's transfer, as its request's commit would
    db.session.flush()
    return Books(
        make,
        village,
        current_period(village.timezone),
        admin,
        leader,
        second_leader,
        keeper,
        outsider,
        wang,
        li,
        zhang,
        zhao,
    )


@pytest.fixture
def as_admin(client, books):
    sign_in(client, books.admin)
    return client
