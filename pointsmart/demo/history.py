"""The demo's history, posted in time order: scoring, activities, commendations,
deductions, sales, voids, settlements and corrections (see the package's description)."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from .. import clock
from ..accounts.service import load_principal
from ..awards.approvals import queue as queue_for_approval
from ..awards.planning import plan_by_rule
from ..ledger import service as ledger
from ..rules.arithmetic import last_day_of
from .catalogue import VOLUNTEER
from .story import (
    ACTIVITIES,
    ACTIVITY_PLACES,
    COMMENDATIONS,
    DEDUCTIONS,
    DEMO_STOCK,
    GOODS,
    GRID_WORKER,
    MINUTES_BETWEEN_ENTRIES,
    MONTHLY_SCORING,
    NEW_HOUSEHOLDS,
    RESTOCKED_TO,
    SALE_DAYS,
    SALES_PER_DAY,
    SALT,
    SETTLEMENT_DAY,
    SHOPKEEPER,
    TIMEZONE,
    TROUBLED_HOUSEHOLDS,
    VILLAGE_ADMIN,
    VOLUNTEER_LEADER,
    WAITING_COMMENDATION,
)

# --- history ---------------------------------------------------------------------------------


class History:
    """Posts the demo's transfers in time order, keeping its own tally of balances."""

    def __init__(
        self, village, shop_id, household_ids, user_ids, rng: random.Random, catalogue, products,
        months,
    ):  # fmt: skip
        self.village_id = village.id
        self.products = products
        self.catalogue = catalogue
        self.shop_id = shop_id
        self.rng = rng
        self.admin = user_ids[VILLAGE_ADMIN.username]
        self.volunteer_leader = user_ids[VOLUNTEER_LEADER.username]
        self.grid_worker = user_ids[GRID_WORKER.username]
        self.shopkeeper = user_ids[SHOPKEEPER.username]
        active = household_ids[: len(household_ids) - NEW_HOUSEHOLDS]
        self.troubled = [active[i] for i in TROUBLED_HOUSEHOLDS]
        self.regular = [h for h in active if h not in self.troubled]
        self.balance = dict.fromkeys(household_ids, 0)
        *self.past, self.current = months
        self.zone = ZoneInfo(TIMEZONE)
        self.clock: clock.HistoricalClock | None = None
        self.until: dt.datetime | None = None
        self.today: dt.date | None = None

    def post(self, history_clock: clock.HistoricalClock, *, until: dt.datetime) -> None:
        """Tell the story month by month, each month's entries in the order of their days."""
        self.clock, self.until = history_clock, until
        self.today = until.astimezone(self.zone).date()
        for period in self.past:
            self.month(period, full=True)
        self.month(self.current, full=False)

    # --- the clock ---------------------------------------------------------------------------

    def at(self, day: dt.date, hour: int) -> None:
        """The story reaches ``hour`` o'clock of ``day`` (or now, if that is later than now)."""
        self._move(dt.datetime.combine(day, dt.time(hour), tzinfo=self.zone))

    def tick(self) -> None:
        """A few minutes pass between two entries."""
        self._move(self.clock.now + dt.timedelta(minutes=MINUTES_BETWEEN_ENTRIES))

    def _move(self, moment: dt.datetime) -> None:
        # Never past the real now, never back; a microsecond apart where the story is
        # squeezed against now (today's entries), so the stamps still rise with the chain.
        moment = min(moment.astimezone(dt.UTC), self.until)
        self.clock.move_to(max(moment, self.clock.now + dt.timedelta(microseconds=1)))

    def day_in(self, period: str, day: int) -> dt.date:
        """A day of the month (never after today): when an entry of the story happened."""
        year, month = int(period[:4]), int(period[5:])
        if period == self.current:
            return min(dt.date(year, month, day), self.today)
        return dt.date(year, month, min(day, last_day_of(period).day))

    # --- a month -----------------------------------------------------------------------------

    def month(self, period: str, *, full: bool) -> None:
        """One month of the story: every event on its day and hour, in time order."""
        events: list[tuple[dt.date, int, int, object, tuple]] = []

        def on(day: int, hour: int, action, *args) -> None:
            events.append((self.day_in(period, day), hour, len(events), action, args))

        index = [*self.past, self.current].index(period)
        if index > 0:
            on(1, 8, self.restock)
        if 0 < index < len(self.past):  # last month waits for the committee
            on(SETTLEMENT_DAY, 10, self.settle, self.past[index - 1])
        for number, (what, hours) in enumerate(self.rng.sample(ACTIVITIES, 2 if full else 1)):
            on(8 + 10 * number, 9, self.volunteering, period, number, what, hours)
        sale_days = [d for d in SALE_DAYS if full or self.day_in(period, d).day == d]
        if not full:  # and some today, so the counter has today's sales to show (and void)
            sale_days.append(self.today.day)
        for day in sale_days:
            on(day, 10, self.sales)
        if period == self.past[-1]:
            on(SALE_DAYS[-1], 16, self.voided_sale)
        if not full:
            on(12, 14, self.corrections)
        on(25, 15, self.entries, period, full)
        if full:  # the grid worker scores every household at the month's end
            on(last_day_of(period).day, 17, self.scoring, period)
        for day, hour, _, action, args in sorted(events, key=lambda event: event[:3]):
            self.at(day, hour)
            action(*args)

    def scoring(self, period: str) -> None:
        end = last_day_of(period)
        for household in self.regular:
            for code, memo, odds in MONTHLY_SCORING:
                if self.rng.random() < odds:
                    self.award(household, code, memo, period, self.grid_worker, day=end)

    def volunteering(self, period: str, number: int, what: str, hours: int) -> None:
        day = self.day_in(period, 8 + 10 * number)
        activity = self.catalogue.activity(
            what, day, ACTIVITY_PLACES[number % len(ACTIVITY_PLACES)], self.volunteer_leader
        )
        for household in self.regular:
            if self.rng.random() < 0.3:
                memo = f"志愿服务：{what} {hours}小时"
                transfer = self.award(
                    household, VOLUNTEER, memo, period, self.volunteer_leader, day=day,
                    quantity=hours,
                )  # fmt: skip
                self.catalogue.attendance(activity, transfer, "", hours)

    def entries(self, period: str, full: bool) -> None:
        """The committee's red list and village meeting, the grid worker's black list."""
        rng = self.rng
        day = self.day_in(period, 25)
        for code, memo in rng.sample(COMMENDATIONS, 3 if full else 1):
            household = rng.choice(self.regular)
            transfer = self.award(household, code, memo, period, self.admin, day=day)
            self.catalogue.board_entry(transfer, code, day=day, reason=memo)
        if full:
            for household in rng.sample(self.regular, 25):
                self.award(household, "cjdh", "参加村民大会", period, self.admin, day=day)
        for household in rng.sample(self.regular, 2) + self.troubled:
            code, memo = rng.choice(DEDUCTIONS)
            transfer = self.award(household, code, memo, period, self.grid_worker, day=day)
            self.catalogue.board_entry(transfer, code, day=day, reason=memo)

    def corrections(self) -> None:
        """Two mistakes of this month, caught and reversed by the village admin."""
        household = self.regular[0]
        memo = "志愿服务：清扫村道 2小时"
        leader = self.volunteer_leader
        self.award(household, VOLUNTEER, memo, self.current, leader, quantity=2)
        duplicate = self.award(household, VOLUNTEER, memo, self.current, leader, quantity=2)
        ledger.reverse(duplicate.id, reason="重复录入，撤销", posted_by_id=self.admin)
        self.tick()
        self.balance[household] -= duplicate.amount

        household = self.regular[1]
        mistaken = self.award(
            household, "ldlf", "乱堆乱放：柴草占道", self.current, self.grid_worker
        )
        ledger.reverse(
            mistaken.id, reason="经核实，柴草系邻户堆放，撤销扣分", posted_by_id=self.admin
        )
        self.tick()
        self.balance[household] -= signed_points(mistaken)
        # The month's last words: a household that takes goods for every point it has.
        self.spend_everything(self.regular[-1])

    def waiting_approval(self) -> None:
        """The grid worker proposed a big commendation; it waits for the admin's approval."""
        code, memo = WAITING_COMMENDATION
        rule = self.catalogue.rules[code]
        proposer = load_principal(self.grid_worker)
        plan = plan_by_rule(rule, self.regular[2], 1, timezone=TIMEZONE, memo=memo)
        queue_for_approval(proposer, plan, board_reason=memo)

    # --- the shop ----------------------------------------------------------------------------

    def sales(self) -> None:
        """A few households come to the counter and take what their points buy."""
        for household in self.rng.sample(self.regular, SALES_PER_DAY):
            affordable = [
                (name, price)
                for name, price in GOODS
                # the demo never sells the last one: every shelf still has something
                if price <= self.balance[household] and self.products[name].stock > 2
            ]
            if not affordable:
                continue
            name, price = self.rng.choice(affordable)
            quantity = 2 if price * 2 <= self.balance[household] and price <= 30 else 1
            self.redeem(household, name, price, quantity)

    def voided_sale(self) -> None:
        """The shopkeeper rang up the wrong goods and voided the sale at once (same day)."""
        from ..counter.voids import void_redemption

        household = max(self.regular, key=lambda h: (self.balance[h], -h))
        name, price = GOODS[0]
        redemption = self.redeem(household, name, price, 1)
        void_redemption(load_principal(self.shopkeeper), redemption.id, reason="拿错商品，当场撤销")
        self.tick()
        self.balance[household] += price

    def spend_everything(self, household: int) -> None:
        """A household that takes goods for every point it has: its balance ends at 0."""
        name, price = SALT
        quantity = min(self.balance[household] // price, self.products[name].stock - 1)
        if quantity > 0:
            self.redeem(household, name, price, quantity)

    def restock(self) -> None:
        """The shopkeeper fills the shelves on the 1st (the rice stays short: the goods page
        warns about it)."""
        from ..counter import goods

        keeper = load_principal(self.shopkeeper)
        for name, product in self.products.items():
            if name not in DEMO_STOCK and product.stock < RESTOCKED_TO:
                delta = RESTOCKED_TO - product.stock
                goods.adjust_stock(keeper, product.id, delta=delta, memo="月初进货")
                self.tick()

    def settle(self, period: str) -> None:
        """The committee pays the shop for a month that has ended, by its statement."""
        from ..counter.settlement import settle_month

        settle_month(load_principal(self.admin), self.shop_id, period)
        self.tick()

    # --- posting -----------------------------------------------------------------------------

    def award(self, household, code, memo, period, posted_by, *, day=None, quantity=1):
        """An award or deduction by the rule ``code`` (its version in force on ``day``)."""
        transfer, signed = self.catalogue.post(
            household,
            code,
            day=day or self.clock.now.astimezone(self.zone).date(),
            period=period,
            memo=memo,
            posted_by_id=posted_by,
            quantity=quantity,
        )
        self.tick()
        self.balance[household] += signed
        return transfer

    def redeem(self, household: int, name: str, price: int, quantity: int):
        """A sale at the counter, as the shopkeeper makes it: receipt, stock and ledger."""
        from ..counter.sales import redeem_items

        view = redeem_items(
            load_principal(self.shopkeeper),
            shop_id=self.shop_id,
            items=[{"product_id": self.products[name].id, "quantity": quantity}],
            household_id=household,
        )
        # A sale's transfer is written when its request commits; the demo's history is one
        # transaction, so it is written here, at the sale's own time on the demo's clock.
        ledger.write_pending_transfers()
        self.tick()
        self.balance[household] -= price * quantity
        return view.redemption


def signed_points(transfer) -> int:
    """A transfer's points from its household's side (+ award, - deduction)."""
    return transfer.amount if transfer.kind == "award" else -transfer.amount
