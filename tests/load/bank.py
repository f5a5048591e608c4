"""The bank test's workload: 8 clients, 20 households, thousands of mixed operations.

Each client thread sends awards, deductions, sales, voids, reversals, batch scoring and
stock-in, each with an Idempotency-Key of its own, plus replays of acknowledged requests with
the same key (which must answer the first answer again) and reuses of a key with another body
(which must be refused). Every acknowledged answer goes into the client's log; the checks in
``tests.load.checks`` then hold the database to that log.

An operation is *acknowledged* when the server answered it with a status below 500. When the
server goes away mid-request (the crash test kills it), the client sends the same request with
the same key again until it is acknowledged: the key makes that safe.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import sqlalchemy as sa

from pointsmart.counter import goods
from pointsmart.extensions import db
from pointsmart.ledger.models import Transfer
from pointsmart.periods import current_period
from pointsmart.rules import catalogue as rule_service
from tests.factories import ROOT, Factories
from tests.load.server import NETWORK_ERRORS, request

CLIENTS = 8
HOUSEHOLDS = 20
OPENING_POINTS = 40
RULE_POINTS = 2
# Goods: (name, price, opening stock). The scarce one runs out now and then.
GOODS = (("火柴", 1, 400), ("肥皂", 4, 300), ("限量香油", 10, 25))

# How often each kind of operation is chosen.
WEIGHTS = {
    "award": 24,
    "deduct": 9,
    "sale": 30,
    "void": 6,
    "reversal": 6,
    "batch": 7,
    "stock_in": 5,
    "replay": 10,
    "reuse": 3,
}
# Refusals the workload expects (a business rule said no); any other 4xx is a finding.
EXPECTED_REFUSALS = {
    "sale": {"insufficient_points", "out_of_stock"},
    "reuse": {"idempotency_key_reused"},
}
SUCCESS = {"void": 200}


@dataclass(frozen=True)
class Scene:
    village_id: int
    shop_id: int
    rule_id: int
    timezone: str
    admin: dict[str, str]
    keeper: dict[str, str]
    households: tuple[int, ...]
    products: dict[int, tuple[int, int]]  # id -> (price, opening stock)
    setup_transfers: frozenset[int]


def build_scene(app) -> Scene:
    """A village with 20 households of 40 points each, a shop with three goods, a rule."""
    with app.app_context():
        make = Factories()
        village = make.village(approval_threshold=10_000)
        shop = make.shop(village)
        admin = make.staff("admin", village)
        keeper = make.staff("shopkeeper", village, shop)
        households = [make.household(village) for _ in range(HOUSEHOLDS)]
        for household in households:
            make.award(household, OPENING_POINTS)
        rule = rule_service.create_rule(
            ROOT,
            village.id,
            code="T1",
            name="门前三包",
            category="rule",
            points=RULE_POINTS,
            # A cap that allows many entries a month: an uncapped rule scores a household once
            # a month, and the workload scores the same households again and again.
            monthly_cap=1_000_000,
            valid_from=dt.date.today().replace(day=1) - dt.timedelta(days=40),
        )
        products = {}
        for name, price, stock in GOODS:
            product = goods.create_product(
                ROOT, shop.id, name=name, points_price=price, stock=stock
            )
            products[product.id] = (price, stock)
        db.session.commit()
        setup = db.session.execute(
            sa.select(Transfer.id).where(Transfer.village_id == village.id)
        ).scalars()
        return Scene(
            village_id=village.id,
            shop_id=shop.id,
            rule_id=rule.id,
            timezone=village.timezone,
            admin=admin.auth,
            keeper=keeper.auth,
            households=tuple(h.id for h in households),
            products=products,
            setup_transfers=frozenset(setup),
        )


@dataclass
class Op:
    kind: str
    method: str
    path: str
    body: dict
    key: str
    auth: dict[str, str]
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    answer: object = None
    attempts: int = 0
    replay_of: Op | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def code(self) -> str | None:
        return self.answer.get("code") if isinstance(self.answer, dict) else None


@dataclass
class Log:
    """What the clients were told, shared by all threads."""

    ops: list[Op] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: int = 0

    def record(self, op: Op) -> None:
        with self.lock:
            self.ops.append(op)
            self.acknowledged += 1

    def finding(self, text: str) -> None:
        with self.lock:
            self.findings.append(text)

    def originals(self, kind: str | None = None) -> list[Op]:
        """Acknowledged, successful operations (not replays or reuses), of one kind or all."""
        return [
            op
            for op in self.ops
            if op.succeeded and op.kind not in ("replay", "reuse") and kind in (None, op.kind)
        ]


class Client:
    """One client thread: its own random stream, its own sales and entries to undo."""

    def __init__(self, index: int, scene: Scene, address: str, log: Log, seed: int, retry: bool):
        self.index = index
        self.scene = scene
        self.address = address
        self.log = log
        self.random = random.Random(seed * 1000 + index)
        self.retry = retry
        self.serial = 0
        self.open_sales: list[dict] = []
        self.open_entries: list[int] = []
        self.done: list[Op] = []

    def run(self, count: int) -> None:
        kinds, weights = zip(*WEIGHTS.items(), strict=True)
        for _ in range(count):
            kind = self.random.choices(kinds, weights)[0]
            op = getattr(self, f"make_{kind}")()
            if op is None:  # nothing to void, reverse or replay yet
                op = self.make_award()
            self.send(op)
            self.learn(op)

    # --- requests --------------------------------------------------------------------------

    def next_key(self, kind: str) -> str:
        self.serial += 1
        return f"{kind}-{self.index}-{self.serial}"

    def household(self) -> int:
        return self.random.choice(self.scene.households)

    def make_award(self) -> Op:
        key = self.next_key("award")
        body = {
            "household_id": self.household(),
            "kind": "award",
            "points": self.random.randint(1, 20),
            "category": self.random.choice(["volunteer", "red", "rule", "other"]),
            "memo": key,
        }
        return Op("award", "POST", "/api/v1/transfers", body, key, self.scene.admin)

    def make_deduct(self) -> Op:
        key = self.next_key("deduct")
        body = {
            "household_id": self.household(),
            "kind": "deduct",
            "points": self.random.randint(1, 15),
            "category": "black",
            "memo": key,
        }
        return Op("deduct", "POST", "/api/v1/transfers", body, key, self.scene.admin)

    def make_sale(self) -> Op:
        products = self.random.sample(sorted(self.scene.products), self.random.randint(1, 2))
        body = {
            "household_id": self.household(),
            "shop_id": self.scene.shop_id,
            "items": [
                {"product_id": pid, "quantity": self.random.randint(1, 3)} for pid in products
            ],
        }
        key = self.next_key("sale")
        return Op("sale", "POST", "/api/v1/redemptions", body, key, self.scene.keeper)

    def make_void(self) -> Op | None:
        if not self.open_sales:
            return None
        sale = self.open_sales.pop(self.random.randrange(len(self.open_sales)))
        key = self.next_key("void")
        path = f"/api/v1/redemptions/{sale['id']}/void"
        return Op("void", "POST", path, {"reason": key}, key, self.scene.admin)

    def make_reversal(self) -> Op | None:
        if not self.open_entries:
            return None
        transfer_id = self.open_entries.pop(self.random.randrange(len(self.open_entries)))
        key = self.next_key("reversal")
        path = f"/api/v1/transfers/{transfer_id}/reversal"
        return Op("reversal", "POST", path, {"reason": key}, key, self.scene.admin)

    def make_batch(self) -> Op:
        key = self.next_key("batch")
        households = self.random.sample(self.scene.households, self.random.randint(2, 6))
        body = {
            "period": current_period(self.scene.timezone),
            "rule_id": self.scene.rule_id,
            "memo": key,
            "entries": [
                {"household_id": hid, "quantity": self.random.randint(1, 3)} for hid in households
            ],
        }
        return Op("batch", "POST", "/api/v1/transfers/batch", body, key, self.scene.admin)

    def make_stock_in(self) -> Op:
        key = self.next_key("stock")
        product = self.random.choice(sorted(self.scene.products))
        body = {"delta": self.random.randint(1, 8), "memo": key}
        path = f"/api/v1/products/{product}/stock"
        return Op("stock_in", "POST", path, body, key, self.scene.keeper)

    def make_replay(self) -> Op | None:
        """The same request with the same key again: the first answer, nothing posted."""
        if not self.done:
            return None
        first = self.random.choice(self.done)
        return Op(
            "replay", first.method, first.path, first.body, first.key, first.auth, replay_of=first
        )

    def make_reuse(self) -> Op | None:
        """A used key with a different body: refused, nothing posted."""
        candidates = [op for op in self.done if op.kind in ("award", "deduct")]
        if not candidates:
            return None
        first = self.random.choice(candidates)
        body = {**first.body, "points": first.body["points"] + 1}
        return Op("reuse", first.method, first.path, body, first.key, first.auth, replay_of=first)

    def send(self, op: Op) -> None:
        """Send until acknowledged; with ``retry``, a lost connection means: same key again."""
        started = time.monotonic()
        while True:
            op.attempts += 1
            try:
                op.status, op.headers, op.answer = request(
                    self.address,
                    op.method,
                    op.path,
                    op.body,
                    {**op.auth, "Idempotency-Key": op.key},
                )
            except NETWORK_ERRORS as error:
                if not self.retry:
                    self.log.finding(f"{op.kind} {op.key}: {error!r} without a crash")
                    return
                if time.monotonic() - started > 120:
                    self.log.finding(f"{op.kind} {op.key}: no answer in 120 s ({error!r})")
                    return
                time.sleep(0.05)
                continue
            if op.status >= 500:
                self.log.finding(f"{op.kind} {op.key}: {op.status} {op.answer}")
            self.log.record(op)
            return

    # --- what the answer tells ---------------------------------------------------------------

    def learn(self, op: Op) -> None:
        if op.status is None or op.status >= 500:
            return
        if op.replay_of is not None:
            self.check_replay(op)
            return
        expected = SUCCESS.get(op.kind, 201)
        if op.status != expected and op.code not in EXPECTED_REFUSALS.get(op.kind, set()):
            self.log.finding(f"{op.kind} {op.key}: {op.status} {op.answer}")
            return
        if not op.succeeded:
            return
        self.done.append(op)
        if op.kind == "sale":
            self.open_sales.append(op.answer)
        elif op.kind in ("award", "deduct"):
            self.open_entries.append(op.answer["id"])
        elif op.kind == "batch":
            self.open_entries.extend(item["id"] for item in op.answer["items"])

    def check_replay(self, op: Op) -> None:
        first = op.replay_of
        if op.kind == "reuse":
            if (op.status, op.code) != (422, "idempotency_key_reused"):
                self.log.finding(f"reused key {op.key}: {op.status} {op.answer}")
            return
        if (op.status, op.answer) != (first.status, first.answer):
            self.log.finding(
                f"replay of {op.key}: {op.status} {op.answer} != {first.status} {first.answer}"
            )
        if op.headers.get("idempotent-replayed") != "true":
            self.log.finding(f"replay of {op.key}: no Idempotent-Replayed header")


def run_load(
    scene: Scene,
    address: str,
    *,
    ops_per_client: int,
    seed: int,
    retry: bool = False,
    log: Log | None = None,
) -> Log:
    """Run ``CLIENTS`` client threads of ``ops_per_client`` operations each, to the end."""
    log = log or Log()
    clients = [Client(i, scene, address, log, seed, retry) for i in range(CLIENTS)]
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(client.run, ops_per_client) for client in clients]
        for future in futures:
            future.result()
    return log
