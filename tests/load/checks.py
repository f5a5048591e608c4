"""What must hold after the bank test, with or without crashes: checked against the client log.

Each check returns a list of problems (empty when it holds), so one failed run names every
broken promise at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import sqlalchemy as sa

from pointsmart.counter.models import Product, Redemption, RedemptionItem, StockMove
from pointsmart.counter.stock import stock_discrepancies
from pointsmart.extensions import db
from pointsmart.ledger.models import Account, IdempotencyRecord, Transfer
from pointsmart.ledger.verify import verify_village
from tests.load.bank import OPENING_POINTS, Log, Scene
from tests.load.server import request


def acknowledged_transfers(log: Log) -> list[int]:
    """The transfer ids the clients were told about, one per posting (duplicates kept)."""
    ids = []
    for op in log.originals():
        if op.kind in ("award", "deduct", "reversal"):
            ids.append(op.answer["id"])
        elif op.kind == "batch":
            ids.extend(item["id"] for item in op.answer["items"])
        elif op.kind == "sale":
            ids.append(op.answer["transfer_id"])
        elif op.kind == "void":
            ids.append(op.answer["void_transfer_id"])
    return ids


def expected_balances(scene: Scene, log: Log) -> dict[int, int]:
    """Each household's balance as the acknowledged answers add up."""
    balances = dict.fromkeys(scene.households, OPENING_POINTS)
    for op in log.originals():
        if op.kind in ("award", "deduct", "reversal"):
            balances[op.answer["household_id"]] += op.answer["amount"]
        elif op.kind == "batch":
            for item in op.answer["items"]:
                balances[item["household_id"]] += item["amount"]
        elif op.kind == "sale":
            balances[op.answer["household_id"]] -= op.answer["total_points"]
        elif op.kind == "void":
            balances[op.answer["household_id"]] += op.answer["total_points"]
    return balances


def expected_stock_moves(scene: Scene, log: Log) -> dict[tuple[int, str], int]:
    """(product, move kind) -> sum of deltas, as the acknowledged answers add up."""
    moves: dict[tuple[int, str], int] = defaultdict(int)
    for product_id, (_, opening) in scene.products.items():
        moves[product_id, "in"] += opening
    for op in log.originals():
        if op.kind == "stock_in":
            moves[op.answer["move"]["product_id"], "in"] += op.body["delta"]
        elif op.kind in ("sale", "void"):
            sign, kind = (-1, "sale") if op.kind == "sale" else (1, "void")
            for item in op.answer["items"]:
                moves[item["product_id"], kind] += sign * item["quantity"]
    return {key: value for key, value in moves.items() if value}


def check_exactly_once(scene: Scene, log: Log) -> list[str]:
    """Every acknowledged posting is in the ledger once, and nothing else is."""
    problems = []
    acknowledged = acknowledged_transfers(log)
    twice = [tid for tid, n in Counter(acknowledged).items() if n > 1]
    if twice:
        problems.append(f"transfer ids acknowledged to two operations: {twice[:10]}")
    stored = set(
        db.session.execute(
            sa.select(Transfer.id).where(Transfer.village_id == scene.village_id)
        ).scalars()
    )
    posted = stored - scene.setup_transfers
    if missing := set(acknowledged) - posted:
        problems.append(f"acknowledged but not in the ledger: {sorted(missing)[:10]}")
    if unknown := posted - set(acknowledged):
        problems.append(f"in the ledger but never acknowledged: {sorted(unknown)[:10]}")
    sales = {op.answer["id"] for op in log.originals("sale")}
    voids = {op.answer["id"] for op in log.originals("void")}
    redemptions = dict(
        db.session.execute(
            sa.select(Redemption.id, Redemption.void_transfer_id).where(
                Redemption.village_id == scene.village_id
            )
        ).all()
    )
    if set(redemptions) != sales:
        problems.append(f"sales stored {len(redemptions)} != acknowledged {len(sales)}")
    voided = {rid for rid, void in redemptions.items() if void is not None}
    if voided != voids:
        problems.append(f"voids stored {sorted(voided)[:10]} != acknowledged {sorted(voids)[:10]}")
    return problems


def check_balances(scene: Scene, log: Log) -> list[str]:
    problems = []
    total = db.session.execute(
        sa.select(sa.func.sum(Account.balance)).where(Account.village_id == scene.village_id)
    ).scalar_one()
    if total != 0:
        problems.append(f"the village's balances sum to {total}, not 0")
    cached = dict(
        db.session.execute(
            sa.select(Account.household_id, Account.balance).where(
                Account.village_id == scene.village_id, Account.household_id.is_not(None)
            )
        ).all()
    )
    expected = expected_balances(scene, log)
    for household_id, balance in expected.items():
        if cached[household_id] != balance:
            problems.append(
                f"household {household_id}: balance {cached[household_id]}, "
                f"acknowledged answers add up to {balance}"
            )
    overdrawn = db.session.execute(
        sa.select(Transfer.id, Transfer.debit_balance_after).where(
            Transfer.village_id == scene.village_id,
            Transfer.kind == "redeem",
            Transfer.reverses_id.is_(None),
            Transfer.debit_balance_after < 0,
        )
    ).all()
    if overdrawn:
        problems.append(f"sales that overdrew: {overdrawn[:10]}")
    return problems


def check_stock(scene: Scene, log: Log) -> list[str]:
    """stock = stock in - sales + voids, move by move and in the cached column."""
    problems = [f"stock cache != moves: {row}" for row in stock_discrepancies(scene.shop_id)]
    rows = db.session.execute(
        sa.select(StockMove.product_id, StockMove.kind, sa.func.sum(StockMove.delta))
        .join(Product, Product.id == StockMove.product_id)
        .where(Product.shop_id == scene.shop_id)
        .group_by(StockMove.product_id, StockMove.kind)
    ).all()
    stored = {(pid, kind): int(total) for pid, kind, total in rows}
    expected = expected_stock_moves(scene, log)
    if stored != expected:
        problems.append(f"stock moves {sorted(stored.items())} != {sorted(expected.items())}")
    stock = dict(
        db.session.execute(
            sa.select(Product.id, Product.stock).where(Product.shop_id == scene.shop_id)
        ).all()
    )
    for product_id in scene.products:
        should = sum(v for (pid, _), v in expected.items() if pid == product_id)
        if stock[product_id] != should:
            problems.append(f"product {product_id}: stock {stock[product_id]}, expected {should}")
    return problems


def check_whole_sales(scene: Scene) -> list[str]:
    """No half-written sale: a redeem transfer has its redemption, items and stock moves, a
    redemption has its transfer, and a void has its reversal and its stock moves back."""
    problems = []
    redeem_transfers = {
        row.id: row
        for row in db.session.execute(
            sa.select(
                Transfer.id, Transfer.amount, Transfer.household_id, Transfer.reverses_id
            ).where(Transfer.village_id == scene.village_id, Transfer.kind == "redeem")
        )
    }
    redemptions = db.session.execute(
        sa.select(Redemption).where(Redemption.village_id == scene.village_id)
    ).scalars()
    items: dict[int, Counter] = defaultdict(Counter)
    totals: dict[int, int] = defaultdict(int)
    for rid, pid, quantity, price in db.session.execute(
        sa.select(
            RedemptionItem.redemption_id,
            RedemptionItem.product_id,
            RedemptionItem.quantity,
            RedemptionItem.points_price,
        )
    ):
        items[rid][pid] += quantity
        totals[rid] += quantity * price
    moves: dict[tuple[int, str], Counter] = defaultdict(Counter)
    for rid, pid, kind, delta in db.session.execute(
        sa.select(
            StockMove.redemption_id, StockMove.product_id, StockMove.kind, StockMove.delta
        ).where(StockMove.redemption_id.is_not(None))
    ):
        moves[rid, kind][pid] += abs(delta)
    claimed = set()
    for sale in redemptions:
        transfer = redeem_transfers.get(sale.transfer_id)
        claimed.add(sale.transfer_id)
        if transfer is None or transfer.reverses_id is not None:
            problems.append(f"sale {sale.id} without its redeem transfer")
        elif (transfer.amount, transfer.household_id) != (sale.total_points, sale.household_id):
            problems.append(f"sale {sale.id} does not match transfer {transfer.id}")
        if not items[sale.id] or totals[sale.id] != sale.total_points:
            problems.append(f"sale {sale.id}: items {dict(items[sale.id])} != its total")
        if moves[sale.id, "sale"] != items[sale.id]:
            problems.append(f"sale {sale.id}: sale moves {dict(moves[sale.id, 'sale'])}")
        if sale.void_transfer_id is None:
            if moves[sale.id, "void"]:
                problems.append(f"sale {sale.id}: void moves but not voided")
            continue
        claimed.add(sale.void_transfer_id)
        reversal = redeem_transfers.get(sale.void_transfer_id)
        if reversal is None or reversal.reverses_id != sale.transfer_id:
            problems.append(f"void of sale {sale.id} without the reversal of its transfer")
        if moves[sale.id, "void"] != items[sale.id]:
            problems.append(f"void of sale {sale.id}: moves {dict(moves[sale.id, 'void'])}")
    if orphans := set(redeem_transfers) - claimed:
        problems.append(f"redeem transfers without a sale or void: {sorted(orphans)[:10]}")
    return problems


def check_ledger(scene: Scene) -> list[str]:
    """The verify service is clean, and no idempotency record is left half-done."""
    problems = []
    report = verify_village(scene.village_id)
    if not report.ok:
        problems.append(f"ledger verify: {report.problems[:5]}")
    pending = db.session.execute(
        sa.select(sa.func.count())
        .select_from(IdempotencyRecord)
        .where(IdempotencyRecord.status_code == 0)
    ).scalar_one()
    if pending:
        problems.append(f"{pending} idempotency records left pending")
    return problems


def check_through_the_api(scene: Scene, address: str) -> list[str]:
    """What a villager sees: each household's balance equals the sum of its history."""
    problems = []
    for household_id in scene.households:
        status, _, household = request(
            address, "GET", f"/api/v1/households/{household_id}", headers=scene.admin
        )
        history, path = [], f"/api/v1/households/{household_id}/transfers?limit=200"
        while status == 200 and path:
            status, _, page = request(address, "GET", path, headers=scene.admin)
            if status == 200:
                history.extend(item["amount"] for item in page["items"])
                after = page["next_after"]
                path = path.split("&after=")[0] + f"&after={after}" if after else None
        if status != 200:
            problems.append(f"household {household_id}: {status} {page}")
        elif household["balance"] != sum(history):
            problems.append(
                f"household {household_id}: balance {household['balance']}, "
                f"history sums to {sum(history)}"
            )
    status, _, verify = request(
        address, "GET", f"/api/v1/villages/{scene.village_id}/ledger/verify", headers=scene.admin
    )
    if status != 200 or not verify["ok"]:
        problems.append(f"GET ledger/verify: {status} {verify}")
    return problems


def check_everything(app, scene: Scene, log: Log, address: str) -> list[str]:
    problems = list(log.findings)
    with app.app_context():
        problems += check_exactly_once(scene, log)
        problems += check_balances(scene, log)
        problems += check_stock(scene, log)
        problems += check_whole_sales(scene)
        problems += check_ledger(scene)
        db.session.rollback()
        runner = app.test_cli_runner()
        result = runner.invoke(args=["ledger", "verify", "--village", str(scene.village_id)])
        if result.exit_code != 0:
            problems.append(f"flask ledger verify: {result.exit_code} {result.output}")
    problems += check_through_the_api(scene, address)
    return problems
