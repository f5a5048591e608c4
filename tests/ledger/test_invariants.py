"""Property test: whatever sequence of posts, refusals, reversals and retries happens, the
ledger's invariants hold after every step.

* the balances of a village sum to zero;
* each cached balance and monthly total equals what the transfers say (``verify_village``),
  and equals a plain model kept by the test;
* no redemption overdrew;
* a replayed idempotency key posted nothing, and a reused key with another body was refused;
* a transfer was reversed at most once, and a reversal never; an award never after a
  year-end clearing (an expiry of its household, not reversed) posted after it;
* a posting written at commit (a sale's) is written once its transaction commits, in the order
  of the transaction's postings, and not at all when its savepoint is rolled back.
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

from pointsmart.errors import Problem
from pointsmart.extensions import db
from pointsmart.ledger import idempotency
from pointsmart.ledger import service as ledger
from pointsmart.ledger.errors import (
    AlreadyReversed,
    CannotReverseReversal,
    IdempotencyKeyReused,
    InsufficientPoints,
    ReversalAfterClearing,
)
from pointsmart.ledger.models import AWARD, EXPIRE, REDEEM, Account, Transfer
from pointsmart.ledger.verify import verify_village

points = st.integers(min_value=1, max_value=60)
categories = st.sampled_from(["volunteer", "red", "black", "rule", "other"])
periods = st.sampled_from([None, "2026-01", "2026-02"])
keys = st.sampled_from(["k1", "k2", "k3"])
ENDINGS = ("committed", "rolled back", "then an award", "then an award rolled back")


def attempt(operation):
    """Run one ledger call in a savepoint, as a request would in its transaction."""
    try:
        with db.session.begin_nested():
            return operation(), None
    except Problem as problem:
        return None, problem


class LedgerMachine(RuleBasedStateMachine):
    make = None  # the test's factories, set before the run

    transfers = Bundle("transfers")

    @initialize()
    def open_village(self):
        self.village = self.make.village()
        self.households = [self.make.household(self.village) for _ in range(3)]
        self.shop = self.make.shop(self.village)
        # the model: what each account must hold
        self.expected = {f"household:{h.id}": 0 for h in self.households}
        self.expected.update({f"shop:{self.shop.id}": 0, "issued": 0, "penalties": 0})
        self.expected["settled"] = 0
        self.expected["expired"] = 0
        # The order of the awards and expiries posted, and the expiries not reversed.
        self.posted: dict[int, int] = {}
        self.live_expiries: dict[int, tuple[str, int]] = {}
        self.reversal_ids: set[int] = set()
        self.reversed_ids: set[int] = set()
        self.keyed: dict[str, tuple[dict, int]] = {}
        self.scope = f"user:machine-{self.village.id}"

    def _move(self, debit: str, credit: str, amount: int) -> None:
        self.expected[debit] -= amount
        self.expected[credit] += amount

    def _count(self) -> int:
        return db.session.execute(
            sa.select(sa.func.count())
            .select_from(Transfer)
            .where(Transfer.village_id == self.village.id)
        ).scalar_one()

    @rule(
        target=transfers, who=st.integers(0, 2), amount=points, category=categories, period=periods
    )
    def award(self, who, amount, category, period):
        household = self.households[who]
        transfer, problem = attempt(
            lambda: ledger.award(
                self.village.id, household.id, amount, category=category, period=period
            )
        )
        assert problem is None
        self._move("issued", f"household:{household.id}", amount)
        self.posted[transfer.id] = len(self.posted)
        return transfer.id

    @rule(target=transfers, who=st.integers(0, 2))
    def expire(self, who):
        """A year-end clearing of one household: its positive balance expires."""
        household = self.households[who]
        code = f"household:{household.id}"
        if self.expected[code] <= 0:
            return None
        amount = self.expected[code]
        transfer, problem = attempt(
            lambda: ledger.expire(self.village.id, household.id, amount, period="2025-12")
        )
        assert problem is None
        self._move(code, "expired", amount)
        self.posted[transfer.id] = len(self.posted)
        self.live_expiries[transfer.id] = (code, self.posted[transfer.id])
        return transfer.id

    @rule(target=transfers, who=st.integers(0, 2), amount=points, category=categories)
    def deduct(self, who, amount, category):
        household = self.households[who]
        transfer, problem = attempt(
            lambda: ledger.deduct(self.village.id, household.id, amount, category=category)
        )
        assert problem is None  # a deduction may go below zero
        self._move(f"household:{household.id}", "penalties", amount)
        return transfer.id

    @rule(target=transfers, who=st.integers(0, 2), amount=points)
    def redeem(self, who, amount):
        household = self.households[who]
        code = f"household:{household.id}"
        transfer, problem = attempt(
            lambda: ledger.redeem(self.village.id, household.id, self.shop.id, amount)
        )
        if self.expected[code] < amount:
            assert isinstance(problem, InsufficientPoints)
            return None
        assert problem is None
        self._move(code, f"shop:{self.shop.id}", amount)
        return transfer.id

    @rule(target=transfers, who=st.integers(0, 2), amount=points, end=st.sampled_from(ENDINGS))
    def redeem_at_commit(self, who, amount, end):
        """A sale's posting: balances move now, the transfer and the head at commit; its
        savepoint may be rolled back, and a posting written at once may follow it."""
        household = self.households[who]
        code = f"household:{household.id}"
        before = self._count()
        savepoint = db.session.begin_nested()
        try:
            pending = ledger.redeem(
                self.village.id, household.id, self.shop.id, amount, at_commit=True
            )
        except InsufficientPoints:
            savepoint.rollback()
            assert self.expected[code] < amount
            return None
        assert self._count() == before  # nothing in the chain yet
        if end == "rolled back":
            savepoint.rollback()
            db.session.commit()
            assert self._count() == before
            return None
        savepoint.commit()
        self._move(code, f"shop:{self.shop.id}", amount)
        award = None
        assert self._count() == before  # releasing the savepoint is not the commit
        if end == "then an award":
            award = ledger.award(self.village.id, household.id, 1, category="other")
            self._move("issued", code, 1)
        elif end == "then an award rolled back":
            # The award writes the pending sale first, inside its savepoint; the savepoint's
            # rollback gives the sale back to the commit.
            with_award = db.session.begin_nested()
            ledger.award(self.village.id, household.id, 1, category="other")
            with_award.rollback()
        db.session.commit()
        written = db.session.get(Transfer, pending.id)
        assert (written.kind, written.amount, written.debit_balance_after) == (
            REDEEM,
            amount,
            pending.debit_balance_after,
        )
        if award is not None:
            assert written.seq < award.seq  # the chain keeps the order of the postings
        return pending.id

    @rule(amount=points)
    def settle(self, amount):
        shop = f"shop:{self.shop.id}"
        _, problem = attempt(
            lambda: ledger.settle(self.village.id, self.shop.id, amount, period="2026-01")
        )
        if self.expected[shop] < amount:
            assert isinstance(problem, InsufficientPoints)
        else:
            assert problem is None
            self._move(shop, "settled", amount)

    @rule(target=transfers, transfer_id=transfers)
    def reverse(self, transfer_id):
        if transfer_id is None:
            return None
        reversal, problem = attempt(lambda: ledger.reverse(transfer_id, reason="更正"))
        if transfer_id in self.reversal_ids:
            assert isinstance(problem, CannotReverseReversal)
            return None
        if transfer_id in self.reversed_ids:
            assert isinstance(problem, AlreadyReversed)
            return None
        original = db.session.get(Transfer, transfer_id)
        debit = db.session.get(Account, original.debit_account_id).code
        credit = db.session.get(Account, original.credit_account_id).code
        if original.kind == AWARD and any(
            code == credit and order > self.posted[transfer_id]
            for code, order in self.live_expiries.values()
        ):
            assert isinstance(problem, ReversalAfterClearing)
            return None
        assert problem is None
        self._move(credit, debit, original.amount)
        if original.kind == EXPIRE:
            del self.live_expiries[transfer_id]
        self.reversed_ids.add(transfer_id)
        self.reversal_ids.add(reversal.id)
        return reversal.id

    @rule(key=keys, who=st.integers(0, 2), amount=st.integers(1, 3))
    def award_with_key(self, key, who, amount):
        household = self.households[who]
        payload = {"household_id": household.id, "points": amount}
        fingerprint = idempotency.fingerprint("POST", "/api/v1/transfers", payload)
        before = self._count()

        def post():
            claimed = idempotency.claim(self.scope, key, fingerprint)
            if isinstance(claimed, idempotency.Replay):
                return claimed.body
            transfer = ledger.award(self.village.id, household.id, amount, category="other")
            body = {"id": transfer.id}
            idempotency.complete(claimed, 201, body)
            return body

        body, problem = attempt(post)
        if key in self.keyed:
            first_payload, first_id = self.keyed[key]
            if first_payload == payload:
                assert problem is None
                assert body == {"id": first_id}
            else:
                assert isinstance(problem, IdempotencyKeyReused)
            assert self._count() == before  # a replay or a refusal posts nothing
            return
        assert problem is None
        self.keyed[key] = (payload, body["id"])
        self._move("issued", f"household:{household.id}", amount)

    @invariant()
    def balances_sum_to_zero_and_match_the_model(self):
        cached = dict(
            db.session.execute(
                sa.select(Account.code, Account.balance).where(
                    Account.village_id == self.village.id
                )
            ).all()
        )
        assert sum(cached.values()) == 0
        for code, balance in self.expected.items():
            assert cached[code] == balance, code

    @invariant()
    def caches_and_chain_verify(self):
        report = verify_village(self.village.id)
        assert report.ok, report.problems

    @invariant()
    def no_redemption_overdrew(self):
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
    def reversed_at_most_once(self):
        counts = db.session.execute(
            sa.select(Transfer.reverses_id, sa.func.count())
            .where(Transfer.village_id == self.village.id, Transfer.reverses_id.is_not(None))
            .group_by(Transfer.reverses_id)
        ).all()
        assert all(count == 1 for _, count in counts)


@pytest.mark.slow
def test_ledger_invariants_hold_under_any_sequence_of_operations(make):
    LedgerMachine.make = make
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
