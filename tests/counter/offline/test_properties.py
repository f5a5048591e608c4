"""Property test: whatever mix of awards, online sales, offline sales arriving late, replays
and resolutions happens,

* the village's balances sum to zero and ``ledger verify`` is clean (chain, cached
  balances, monthly totals) after every step;
* no redemption overdraws; only an offline shortfall may take a household below zero;
* an offline sale sent again with its key posts nothing more;
* every offline sale either posted once (a redemption that keeps its made time) or waits
  whole (nothing posted) until exactly one resolution pays the shop for it;
* the shop's account holds exactly its sales, shortfalls and write-offs;
* no household spends more offline in a day than the village's limit, and no sale counts as
  made before last month began (a phone's clock a year behind counts as now);
* an offline sale costs the price its counter showed or today's, whichever is lower, whatever
  the shop did to the price meanwhile.
"""

from __future__ import annotations

import datetime as dt
import itertools

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

from pointsmart.counter import goods, sales
from pointsmart.counter.models import PendingOfflineSale, Product, Redemption
from pointsmart.counter.offline import reconcile, sync
from pointsmart.database import utcnow
from pointsmart.errors import Problem
from pointsmart.extensions import db
from pointsmart.ledger import idempotency
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import REDEEM, SHORTFALL, WRITE_OFF, Account, Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import local_day, period_of, previous_period

_keys = itertools.count(1)


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


class OfflineMachine(RuleBasedStateMachine):
    make = None  # the test's factories, set before the run

    offline_sales = Bundle("offline_sales")

    @initialize()
    def open_shop(self):
        make = self.make
        self.village = make.village()
        self.village.offline_limit = 60
        self.shop = make.shop(self.village)
        self.keeper = make.staff("shopkeeper", self.village, self.shop).principal
        self.admin = make.staff("admin", self.village).principal
        self.households = [make.household(self.village) for _ in range(2)]
        self.soap = goods.create_product(
            self.admin, self.shop.id, name="香皂", points_price=7, stock=200
        )
        self.sent: dict[str, tuple] = {}  # key -> (request, first answer)
        self.paid_to_shop = 0
        self.scope = f"user:{self.keeper.user_id}"

    @rule(price=st.integers(1, 12))
    def change_price(self, price):
        goods.update_product(self.admin, self.soap.id, points_price=price)

    @rule(who=st.integers(0, 1), points=st.integers(1, 50))
    def award(self, who, points):
        ledger.award(self.village.id, self.households[who].id, points, category="other")

    @rule(who=st.integers(0, 1), quantity=st.integers(1, 4))
    def sell_online(self, who, quantity):
        view, problem = attempt(
            lambda: sales.redeem_items(
                self.keeper,
                shop_id=self.shop.id,
                household_id=self.households[who].id,
                items=[{"product_id": self.soap.id, "quantity": quantity}],
            )
        )
        if problem is None:
            self.paid_to_shop += view.total_points

    def _post_offline(self, key, who, quantity, hours_ago, seen):
        request = (who, quantity, hours_ago, seen)
        made_at = self.start - dt.timedelta(hours=hours_ago)
        fingerprint = idempotency.fingerprint("POST", "/api/v1/redemptions", list(request))

        def post():
            claimed = idempotency.claim(self.scope, key, fingerprint)
            if isinstance(claimed, idempotency.Replay):
                return claimed.body
            outcome = sync.redeem_offline(
                self.keeper,
                shop_id=self.shop.id,
                household_id=self.households[who].id,
                items=[{"product_id": self.soap.id, "quantity": quantity, "points_price": seen}],
                made_at=made_at,
                client_key=key,
            )
            if outcome.sale is not None:
                body = {"posted": outcome.sale.id, "points": outcome.sale.total_points}
            else:
                body = {"pending": outcome.pending.id}
            idempotency.complete(claimed, 201, body)
            return body

        return attempt(post)

    @rule(
        target=offline_sales,
        who=st.integers(0, 1),
        quantity=st.integers(1, 5),
        # 24 * 400: a phone whose clock is more than a year behind (or a backdated sale)
        hours_ago=st.sampled_from([1, 2, 30, 24 * 400]),
        seen=st.integers(1, 12),  # the price on the phone when the sale was made
    )
    def sell_offline(self, who, quantity, hours_ago, seen):
        key = f"offline-{next(_keys)}"
        price = min(seen, db.session.get(Product, self.soap.id).points_price)
        body, problem = self._post_offline(key, who, quantity, hours_ago, seen)
        assert problem is None, problem
        if "posted" in body:
            assert body["points"] == quantity * price
            self.paid_to_shop += body["points"]
        else:
            pending = db.session.get(PendingOfflineSale, body["pending"])
            assert pending.total_points == quantity * price
        self.sent[key] = ((who, quantity, hours_ago, seen), body)
        return key

    @rule(key=offline_sales)
    def send_again(self, key):
        (who, quantity, hours_ago, seen), first = self.sent[key]
        before = self._counts()
        body, problem = self._post_offline(key, who, quantity, hours_ago, seen)
        assert problem is None
        assert body == first
        assert self._counts() == before

    @rule(key=offline_sales, write_off=st.booleans())
    def resolve(self, key, write_off):
        _, first = self.sent[key]
        if "pending" not in first:
            return
        pending = db.session.get(PendingOfflineSale, first["pending"])
        was_pending = pending.status == "pending"
        resolution = WRITE_OFF if write_off else SHORTFALL
        view, problem = attempt(lambda: reconcile.resolve(self.admin, first["pending"], resolution))
        if not was_pending:
            assert problem is not None
            assert problem.code == "offline_sale_resolved"
            return
        assert problem is None, problem
        self.paid_to_shop += view.total_points

    def _counts(self):
        return tuple(
            db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
            for model in (Transfer, Redemption, PendingOfflineSale)
        )

    @invariant()
    def the_ledger_verifies_and_sums_to_zero(self):
        if not hasattr(self, "village"):
            return
        report = verify_village(self.village.id)
        assert report.ok, report.problems
        total = db.session.execute(
            sa.select(sa.func.sum(Account.balance)).where(Account.village_id == self.village.id)
        ).scalar_one()
        assert total == 0

    @invariant()
    def only_a_shortfall_goes_below_zero(self):
        if not hasattr(self, "village"):
            return
        below = db.session.execute(
            sa.select(Transfer.kind)
            .join(Account, Account.id == Transfer.debit_account_id)
            .where(
                Transfer.village_id == self.village.id,
                Account.kind == "household",
                Transfer.debit_balance_after < 0,
            )
        ).scalars()
        assert set(below) <= {SHORTFALL}
        overdrawn_redemptions = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Transfer)
            .where(
                Transfer.village_id == self.village.id,
                Transfer.kind == REDEEM,
                Transfer.debit_balance_after < 0,
            )
        ).scalar_one()
        assert overdrawn_redemptions == 0

    @invariant()
    def every_offline_sale_posted_once_or_waits_whole(self):
        if not hasattr(self, "village"):
            return
        for _key, (_request, body) in self.sent.items():
            if "posted" in body:
                redemption = db.session.get(Redemption, body["posted"])
                assert redemption.made_at is not None
                assert redemption.transfer_id is not None
            else:
                pending = db.session.get(PendingOfflineSale, body["pending"])
                resolved = db.session.execute(
                    sa.select(sa.func.count())
                    .select_from(Transfer)
                    .where(Transfer.id == pending.transfer_id)
                ).scalar_one()
                assert resolved == (0 if pending.status == "pending" else 1)
        made = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Redemption)
            .where(Redemption.shop_id == self.shop.id, Redemption.made_at.is_not(None))
        ).scalar_one()
        assert made == sum(1 for _, body in self.sent.values() if "posted" in body)

    @invariant()
    def no_household_spends_more_offline_in_a_day_than_the_limit(self):
        """Counted by the day each sale counts as made, which is never before last month
        began: no backdating passes the limit on days long gone."""
        if not hasattr(self, "village"):
            return
        by_day: dict[tuple, int] = {}
        for household_id, points, made_at, created_at in db.session.execute(
            sa.select(
                Redemption.household_id,
                Redemption.total_points,
                Redemption.made_at,
                Redemption.created_at,
            ).where(Redemption.shop_id == self.shop.id, Redemption.made_at.is_not(None))
        ):
            month_before = previous_period(period_of(created_at, self.village.timezone))
            assert period_of(made_at, self.village.timezone) >= month_before
            day = local_day(made_at, self.village.timezone)
            by_day[household_id, day] = by_day.get((household_id, day), 0) + points
        assert all(points <= self.village.offline_limit for points in by_day.values())

    @invariant()
    def the_shop_holds_what_it_was_paid(self):
        if not hasattr(self, "village"):
            return
        held = ledger.account_balance(self.village.id, ledger.shop_code(self.shop.id))
        assert held == self.paid_to_shop


OfflineMachine.start = None


@pytest.mark.slow
def test_offline_invariants_hold_under_any_sequence_of_operations(make):
    OfflineMachine.make = make
    OfflineMachine.start = utcnow()
    run_state_machine_as_test(
        OfflineMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
