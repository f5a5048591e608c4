"""Property test: whatever sequence of sales, voids, stock moves, awards and retries happens,

* no sale overdraws a household, and a refused sale changes nothing;
* stock never goes below zero, and stock = in - out - sales + voids, move by move;
* a sale is voided at most once, and a void gives back exactly what the sale took, whatever
  the goods' price since;
* a sale charges the prices the counter's page showed, or, when one changed since, is refused
  (``price_changed``) and changes nothing;
* a replayed Idempotency-Key sells nothing more;
* the ledger verifies (hash chain, cached balances, monthly totals) after every step.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from pointsmart.counter import goods, sales, stock, voids
from pointsmart.counter.errors import AlreadyVoided, OutOfStock, PriceChanged
from pointsmart.counter.models import Product, Redemption, RedemptionItem, StockMove
from pointsmart.errors import Problem
from pointsmart.extensions import db
from pointsmart.ledger import idempotency
from pointsmart.ledger import service as ledger
from pointsmart.ledger.errors import InsufficientPoints
from pointsmart.ledger.models import REDEEM, Transfer
from pointsmart.ledger.verify import verify_village

lines = st.lists(
    st.tuples(st.integers(0, 2), st.integers(1, 4)), min_size=1, max_size=3
)  # (product index, quantity)


def attempt(operation):
    """Run one service call in a savepoint, as a request would in its transaction (whose
    commit writes a sale's transfer: the savepoint's release does not)."""
    try:
        with db.session.begin_nested():
            result = operation()
            ledger.write_pending_transfers()
            return result, None
    except Problem as problem:
        return None, problem


class CounterMachine(RuleBasedStateMachine):
    make = None  # the test's factories, set before the run

    sold = Bundle("sold")

    @initialize()
    def open_shop(self):
        make = self.make
        self.village = make.village()
        self.shop = make.shop(self.village)
        self.keeper = make.staff("shopkeeper", self.village, self.shop).principal
        self.admin = make.staff("admin", self.village).principal
        self.households = [make.household(self.village) for _ in range(2)]
        self.balance = [0, 0]
        prices = (3, 7, 15)
        self.products = [
            goods.create_product(self.admin, self.shop.id, name=f"货{i}", points_price=p, stock=3)
            for i, p in enumerate(prices)
        ]
        self.price = list(prices)
        self.shown = list(prices)  # the prices on the counter's page, shown before a change
        self.stock = [3, 3, 3]
        # sale id -> (household, goods, points taken, voided)
        self.sales: dict[int, tuple[int, dict[int, int], int, bool]] = {}
        self.keyed: dict[str, tuple[tuple, int]] = {}
        self.scope = f"user:{self.keeper.user_id}"

    @rule(who=st.integers(0, 1), points=st.integers(1, 80))
    def award(self, who, points):
        ledger.award(self.village.id, self.households[who].id, points, category="other")
        self.balance[who] += points

    @rule(which=st.integers(0, 2), quantity=st.integers(1, 5), out=st.booleans())
    def move_stock(self, which, quantity, out):
        delta = -quantity if out else quantity
        actor = self.keeper if out else self.admin
        product = self.products[which]
        _, problem = attempt(lambda: goods.adjust_stock(actor, product.id, delta=delta, memo=None))
        if self.stock[which] + delta < 0:
            assert isinstance(problem, OutOfStock)
        else:
            assert problem is None
            self.stock[which] += delta

    @rule(which=st.integers(0, 2), price=st.integers(1, 20))
    def change_price(self, which, price):
        goods.update_product(self.keeper, self.products[which].id, points_price=price)
        self.price[which] = price

    @rule()
    def show_the_counter_page(self):
        self.shown = list(self.price)

    def _expect(self, who, picked, *, as_shown=False):
        wanted: dict[int, int] = {}
        for which, quantity in picked:
            wanted[which] = wanted.get(which, 0) + quantity
        total = sum(self.price[w] * q for w, q in wanted.items())
        if any(self.stock[w] < q for w, q in wanted.items()):
            return wanted, total, OutOfStock
        if as_shown and any(self.shown[w] != self.price[w] for w in wanted):
            return wanted, total, PriceChanged
        if total > self.balance[who]:
            return wanted, total, InsufficientPoints
        return wanted, total, None

    def _sell(self, who, wanted, *, as_shown=False):
        items = [{"product_id": self.products[w].id, "quantity": q} for w, q in wanted.items()]
        shown = {self.products[w].id: self.shown[w] for w in wanted} if as_shown else None
        return sales.redeem_items(
            self.keeper,
            shop_id=self.shop.id,
            household_id=self.households[who].id,
            items=items,
            prices_shown=shown,
        )

    @rule(target=sold, who=st.integers(0, 1), picked=lines, as_shown=st.booleans())
    def sell(self, who, picked, as_shown):
        before = self._counts()
        wanted, total, refusal = self._expect(who, picked, as_shown=as_shown)
        view, problem = attempt(lambda: self._sell(who, wanted, as_shown=as_shown))
        if refusal is not None:
            assert isinstance(problem, refusal)
            assert self._counts() == before  # nothing half-written
            return None
        assert problem is None
        assert view.total_points == total
        self.balance[who] -= total
        for which, quantity in wanted.items():
            self.stock[which] -= quantity
        assert view.balance_after == self.balance[who]
        self.sales[view.id] = (who, wanted, total, False)
        return view.id

    @rule(sale_id=sold, by_admin=st.booleans())
    def void(self, sale_id, by_admin):
        if sale_id is None:
            return
        who, wanted, taken, voided = self.sales[sale_id]
        actor = self.admin if by_admin else self.keeper
        _, problem = attempt(lambda: voids.void_redemption(actor, sale_id))
        if voided:
            assert isinstance(problem, AlreadyVoided)
            return
        assert problem is None
        self.balance[who] += taken  # what the sale took, not the goods' price today
        for which, quantity in wanted.items():
            self.stock[which] += quantity
        self.sales[sale_id] = (who, wanted, taken, True)

    @rule(key=st.sampled_from(["k1", "k2"]), who=st.integers(0, 1), which=st.integers(0, 2))
    def sell_with_key(self, key, who, which):
        payload = (who, which)
        fingerprint = idempotency.fingerprint("POST", "/api/v1/redemptions", list(payload))
        before = self._counts()

        def post():
            claimed = idempotency.claim(self.scope, key, fingerprint)
            if isinstance(claimed, idempotency.Replay):
                return claimed.body
            view = self._sell(who, {which: 1})
            idempotency.complete(claimed, 201, {"id": view.id})
            return {"id": view.id}

        if key in self.keyed and self.keyed[key][0] == payload:
            body, problem = attempt(post)
            assert problem is None
            assert body == {"id": self.keyed[key][1]}
            assert self._counts() == before
            return
        if key in self.keyed:
            _, problem = attempt(post)
            assert isinstance(problem, idempotency.IdempotencyKeyReused)
            assert self._counts() == before
            return
        _, _, refusal = self._expect(who, [(which, 1)])
        body, problem = attempt(post)
        if refusal is not None:
            assert isinstance(problem, refusal)
            return
        assert problem is None
        self.keyed[key] = (payload, body["id"])
        self.balance[who] -= self.price[which]
        self.stock[which] -= 1
        self.sales[body["id"]] = (who, {which: 1}, self.price[which], False)

    def _counts(self):
        return tuple(
            db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
            for model in (Transfer, StockMove, Redemption, RedemptionItem)
        )

    @invariant()
    def stock_matches_the_model_and_the_moves(self):
        rows = dict(
            db.session.execute(
                sa.select(Product.id, Product.stock).where(Product.shop_id == self.shop.id)
            ).all()
        )
        assert [rows[p.id] for p in self.products] == self.stock
        assert all(stock >= 0 for stock in rows.values())
        assert stock.stock_discrepancies(self.shop.id) == []
        by_kind = dict(
            db.session.execute(
                sa.select(StockMove.kind, sa.func.sum(sa.func.abs(StockMove.delta)))
                .join(Product, Product.id == StockMove.product_id)
                .where(Product.shop_id == self.shop.id)
                .group_by(StockMove.kind)
            ).all()
        )
        moved = by_kind.get("in", 0) - by_kind.get("out", 0)
        moved += by_kind.get("void", 0) - by_kind.get("sale", 0)
        assert moved == sum(self.stock)

    @invariant()
    def balances_match_and_no_sale_overdrew(self):
        for household, expected in zip(self.households, self.balance, strict=True):
            assert ledger.account_balance(self.village.id, f"household:{household.id}") == expected
        overdrawn = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Transfer)
            .where(
                Transfer.village_id == self.village.id,
                Transfer.kind == REDEEM,
                Transfer.reverses_id.is_(None),
                Transfer.debit_balance_after < 0,
            )
        ).scalar_one()
        assert overdrawn == 0

    @invariant()
    def a_sale_is_voided_at_most_once(self):
        voids = db.session.execute(
            sa.select(StockMove.redemption_id, StockMove.product_id, sa.func.count())
            .join(Redemption, Redemption.id == StockMove.redemption_id)
            .where(StockMove.kind == "void", Redemption.shop_id == self.shop.id)
            .group_by(StockMove.redemption_id, StockMove.product_id)
        ).all()
        assert all(count == 1 for *_, count in voids)
        voided = {
            r.id
            for r in db.session.execute(
                sa.select(Redemption.id).where(
                    Redemption.shop_id == self.shop.id, Redemption.voided_at.is_not(None)
                )
            )
        }
        assert voided == {sale for sale, (*_, was) in self.sales.items() if was}

    @invariant()
    def the_ledger_verifies(self):
        report = verify_village(self.village.id)
        assert report.ok, report.problems


@pytest.mark.slow
def test_counter_invariants_hold_under_any_sequence_of_operations(make):
    CounterMachine.make = make
    run_state_machine_as_test(
        CounterMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
