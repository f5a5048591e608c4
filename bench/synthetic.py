"""Synthetic ledger: a village with N households and millions of valid, chained transfers.

    .venv/bin/python bench/synthetic.py --database URL --households 1000 --transfers 1000000
        [--months 12] [--grids 10] [--seed 7] [--cover-months]
        [--townships 10 --villages 300]

Creates the schema when the database is empty, then one new village (its id is printed)
with grids, households and their accounts, a shop, and ``--transfers`` transfers: awards
(issued -> household), deductions (household -> penalties) and redemptions (household ->
shop, only when the household can pay), spread over the last ``--months`` months with the
current month last. Every transfer is hashed with the ledger's own ``values_hash`` and
chained; the cached balances, monthly totals, the regions' ``village_months`` rollup and the
chain head are written to match, so
``flask ledger verify`` is clean afterwards. Rows go in by bulk inserts of a batch at a
time (COPY on PostgreSQL), not through the one-at-a-time posting service.

``--cover-months`` makes ledgers of different sizes cover the same household-months, so
that they compare like for like: each month's first ``--households`` transfers go to every
household in turn (households x months of them cover each household-month once), and only
the rest of the month's transfers go to households at random.
With 1,000 households and ``--months 10``, 10,000 transfers cover each household-month exactly
once and 10,000,000 cover each of them too (with about 1,000 transfers a household-month);
without the flag every transfer picks its household at random and a small ledger leaves many
household-months empty. With fewer transfers than households x months, each month covers its
first households only.

With ``--villages V`` (and ``--townships T``, default 1) it makes a county instead: a new
county with T townships and V villages dealt to them in turn, each village with
``--households`` households and its share of ``--transfers`` (which then counts for the
whole county), loaded one village after another as above. It prints the county's id and
each township's, for the dashboard (``/api/v1/regions/<id>/dashboard``) and the soak tests.

A benchmark tool only: nothing in the app or the test suite imports it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate
import sqlalchemy as sa

from pointsmart import create_app
from pointsmart.counter.models import Shop
from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.ledger.hashing import CORE_FIELDS, OPTIONAL_FIELDS, values_hash
from pointsmart.ledger.models import (
    AWARD,
    DEDUCT,
    HOUSEHOLD,
    ISSUED,
    PENALTIES,
    REDEEM,
    SHOP,
    Account,
    ChainHead,
    MonthlyTotal,
)
from pointsmart.ledger.service import MONTHLY_COLUMN
from pointsmart.periods import current_period, previous_periods
from pointsmart.regions.rollups import VillageMonth
from pointsmart.villages.models import Grid, Village

BATCH = 50_000
COLUMNS = (*CORE_FIELDS, *OPTIONAL_FIELDS, "prev_hash", "hash")


def make_app(url: str):
    os.environ.setdefault("POINTSMART_ENV", "testing")
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})


def month_window(period: str, timezone: str, now: dt.datetime) -> tuple[dt.datetime, float]:
    """The UTC start of a month in the village's time zone, and its length (to now at most)."""
    zone = ZoneInfo(timezone)
    year, month = int(period[:4]), int(period[5:])
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    end = min(end, now - dt.timedelta(seconds=1))
    return start.astimezone(dt.UTC), (end - start).total_seconds()


def create_village(
    households: int, grids: int, name: str, region_id: int | None = None
) -> tuple[Village, list[int], int]:
    """A village with grids, households, their accounts and a shop, by bulk inserts."""
    from tests.factories import Factories

    make = Factories()
    village = make.village(name=name, region_id=region_id)
    now = dt.datetime.now(dt.UTC)
    grid_ids = []
    for index in range(grids):
        grid = Grid(village_id=village.id, name=f"第{index + 1}网格", created_at=now)
        db.session.add(grid)
        db.session.flush()
        grid_ids.append(grid.id)
    db.session.execute(
        sa.insert(Household),
        [
            {
                "village_id": village.id,
                "grid_id": grid_ids[index % grids] if grids else None,
                "number": f"{index + 1:05d}",
                "head_name": f"村民{index + 1}",
                "card_version": 0,
                "status": "active",
                "created_at": now,
            }
            for index in range(households)
        ],
    )
    household_ids = list(
        db.session.execute(
            sa.select(Household.id).where(Household.village_id == village.id).order_by(Household.id)
        ).scalars()
    )
    db.session.execute(
        sa.insert(Account),
        [
            {
                "village_id": village.id,
                "code": f"{HOUSEHOLD}:{household_id}",
                "kind": HOUSEHOLD,
                "household_id": household_id,
                "balance": 0,
                "created_at": now,
            }
            for household_id in household_ids
        ],
    )
    shop = Shop(village_id=village.id, name="合作商店")
    db.session.add(shop)
    db.session.flush()
    db.session.execute(
        sa.insert(Account).values(
            village_id=village.id,
            code=f"{SHOP}:{shop.id}",
            kind=SHOP,
            shop_id=shop.id,
            balance=0,
            created_at=now,
        )
    )
    db.session.commit()
    return village, household_ids, shop.id


def account_ids(village_id: int) -> dict[str, int]:
    return dict(
        db.session.execute(
            sa.select(Account.code, Account.id).where(Account.village_id == village_id)
        ).all()
    )


def generate(
    village: Village,
    household_ids: list[int],
    shop_id: int,
    transfers: int,
    months: int,
    seed: int,
    cover_months: bool = False,
):
    """Yield batches of transfer rows (tuples in COLUMNS order), chained and hashed."""
    rng = random.Random(seed)
    codes = account_ids(village.id)
    issued, penalties, shop = codes[ISSUED], codes[PENALTIES], codes[f"{SHOP}:{shop_id}"]
    household_account = [codes[f"{HOUSEHOLD}:{h}"] for h in household_ids]
    balances: dict[int, int] = {}
    monthly: dict[tuple[int, str], list[int]] = {}
    # period -> [awards, deductions, points issued, points deducted], for village_months
    postings: dict[str, list[int]] = {}
    now = dt.datetime.now(dt.UTC)
    periods = previous_periods(current_period(village.timezone, now), months)
    column = {name: index for index, name in enumerate(("earned", "deducted", "redeemed"))}
    prev_hash, seq = "0" * 64, 0
    per_month = -(-transfers // months)
    batch: list[tuple] = []
    count = len(household_ids)
    for period in periods:
        start, length = month_window(period, village.timezone, now)
        in_month = min(per_month, transfers - seq)
        step = length / (in_month + 1)
        for index in range(in_month):
            slot = index if cover_months and index < count else rng.randrange(count)
            household_id, account = household_ids[slot], household_account[slot]
            balance = balances.get(account, 0)
            draw = rng.random()
            amount = rng.randint(1, 20)
            if draw < 0.15 and balance >= amount:
                kind, category, debit, credit = REDEEM, None, account, shop
            elif draw < 0.30:
                kind, category, debit, credit = DEDUCT, "black", account, penalties
            else:
                kind, category = AWARD, ("volunteer" if draw < 0.8 else "red")
                debit, credit = issued, account
            seq += 1
            debit_after = balances.get(debit, 0) - amount
            credit_after = balances.get(credit, 0) + amount
            balances[debit], balances[credit] = debit_after, credit_after
            created_at = start + dt.timedelta(seconds=step * (index + 1))
            core = (
                village.id,
                seq,
                kind,
                category,
                debit,
                credit,
                amount,
                period,
                None,
                household_id,
                debit_after,
                credit_after,
                None,
                None,
                created_at,
            )
            optional = (None,) * len(OPTIONAL_FIELDS)
            digest = values_hash(core, optional, prev_hash)
            batch.append((*core, *optional, prev_hash, digest))
            prev_hash = digest
            totals = monthly.get((household_id, period))
            if totals is None:
                totals = monthly[(household_id, period)] = [0, 0, 0]
            totals[column[MONTHLY_COLUMN[kind]]] += amount
            if kind in (AWARD, DEDUCT):
                counts = postings.setdefault(period, [0, 0, 0, 0])
                counts[kind == DEDUCT] += 1
                counts[2 + (kind == DEDUCT)] += amount
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch
    yield ("done", balances, monthly, seq, prev_hash, postings)


def insert_batch(batch: list[tuple]) -> None:
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        copy_batch(connection, batch)
        return
    # The driver's executemany, with timestamps as the naive UTC text SQLAlchemy stores.
    created_at = COLUMNS.index("created_at")
    rows = []
    for row in batch:
        values = list(row)
        values[created_at] = values[created_at].strftime("%Y-%m-%d %H:%M:%S.%f")
        rows.append(tuple(values))
    placeholders = ", ".join("?" for _ in COLUMNS)
    connection.exec_driver_sql(
        f"INSERT INTO transfers ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows
    )


def copy_batch(connection, batch: list[tuple]) -> None:
    """COPY on PostgreSQL: timestamps as naive UTC text, like UTCDateTime stores them."""
    buffer = io.StringIO()
    created_at = COLUMNS.index("created_at")
    for row in batch:
        values = list(row)
        values[created_at] = values[created_at].astimezone(dt.UTC).replace(tzinfo=None)
        buffer.write("\t".join(r"\N" if v is None else str(v) for v in values))
        buffer.write("\n")
    cursor = connection.connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY transfers ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def finish(village_id: int, balances, monthly, seq: int, last_hash: str, postings) -> None:
    accounts = Account.__table__
    db.session.execute(
        accounts.update()
        .where(accounts.c.id == sa.bindparam("account_id"))
        .values(balance=sa.bindparam("new_balance")),
        [{"account_id": a, "new_balance": b} for a, b in balances.items()],
    )
    rows = [
        {
            "household_id": household_id,
            "period": period,
            "village_id": village_id,
            "earned": earned,
            "deducted": deducted,
            "redeemed": redeemed,
        }
        for (household_id, period), (earned, deducted, redeemed) in monthly.items()
    ]
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(MonthlyTotal), rows[start : start + BATCH])
    if postings:  # the dashboard's rollup (no leaders: synthetic transfers have no poster)
        db.session.execute(
            sa.insert(VillageMonth),
            [
                {
                    "village_id": village_id,
                    "period": period,
                    "awards": a,
                    "deductions": d,
                    "points_issued": issued,
                    "points_deducted": deducted,
                }
                for period, (a, d, issued, deducted) in postings.items()
            ],
        )
    heads = ChainHead.__table__
    db.session.execute(
        heads.update()
        .where(heads.c.village_id == village_id)
        .values(last_seq=seq, last_hash=last_hash)
    )


def loader_settings(dbapi_connection, connection_record):
    """A loader may trade durability for speed (SQLite): 1 GiB of page cache keeps the
    indexes in memory, and a crash mid-load just means loading again."""
    dbapi_connection.execute("PRAGMA cache_size=-1000000")
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def load_county(args, name: str) -> dict:
    """A county of ``args.townships`` townships and ``args.villages`` villages (see the
    module's docstring); every village gets its share of ``args.transfers``."""
    from pointsmart.regions.service import create_region
    from tests.factories import ROOT

    county = create_region(ROOT, name=name, level="county", parent_id=None)
    townships = [
        create_region(ROOT, name=f"第{index + 1}镇", level="township", parent_id=county.id)
        for index in range(max(args.townships, 1))
    ]
    ids = {"county": county.id, "townships": [t.id for t in townships]}
    db.session.commit()
    share, rest = divmod(args.transfers, args.villages)
    started = time.perf_counter()
    villages = []
    for index in range(args.villages):
        result = load(
            args.households,
            share + (1 if index < rest else 0),
            args.months,
            args.grids,
            args.seed + index,
            f"{name}第{index + 1}村",
            args.cover_months,
            region_id=ids["townships"][index % len(townships)],
        )
        villages.append(result["village_id"])
        print(
            f"  village {index + 1}/{args.villages} (id {result['village_id']}): "
            f"{result['transfers']:,} transfers in {result['seconds']:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    return {**ids, "villages": villages, "seconds": time.perf_counter() - started}


def load(
    households: int,
    transfers: int,
    months: int,
    grids: int,
    seed: int,
    name: str,
    cover_months: bool = False,
    region_id: int | None = None,
) -> dict:
    village, household_ids, shop_id = create_village(households, grids, name, region_id)
    if db.session.get_bind().dialect.name == "sqlite" and not sa.event.contains(
        db.engine, "connect", loader_settings
    ):
        db.session.close()
        sa.event.listen(db.engine, "connect", loader_settings)
        db.engine.dispose()
    started = time.perf_counter()
    done = 0
    for batch in generate(village, household_ids, shop_id, transfers, months, seed, cover_months):
        if batch[0] == "done":
            _, balances, monthly, seq, last_hash, postings = batch
            finish(village.id, balances, monthly, seq, last_hash, postings)
            db.session.commit()
            break
        insert_batch(batch)
        db.session.commit()
        done += len(batch)
        if done % 500_000 < BATCH:
            rate = done / (time.perf_counter() - started)
            print(f"  {done:>11,} transfers  {rate:,.0f}/s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    return {
        "village_id": village.id,
        "households": household_ids,
        "shop_id": shop_id,
        "transfers": transfers,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL")
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--grids", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--name", default=None, help="village name (default: made up)")
    parser.add_argument(
        "--cover-months",
        action="store_true",
        help="give every household a transfer in every month first, then deal the rest at random",
    )
    parser.add_argument("--villages", type=int, default=0, help="make a county of this many")
    parser.add_argument("--townships", type=int, default=1, help="townships of the county")
    args = parser.parse_args()
    app = make_app(args.database)
    with app.app_context():
        flask_migrate.upgrade()
        if args.villages:
            name = args.name or f"合成县{int(time.time())}"
            county = load_county(args, name)
            print(
                f"county {county['county']}: townships {county['townships']}, "
                f"{args.villages} villages of {args.households} households "
                f"(ids {county['villages'][0]}-{county['villages'][-1]}), "
                f"{args.transfers:,} transfers in {county['seconds']:.1f} s"
            )
            return
        name = args.name or f"合成村{int(time.time())}"
        result = load(
            args.households,
            args.transfers,
            args.months,
            args.grids,
            args.seed,
            name,
            args.cover_months,
        )
    print(
        f"village {result['village_id']}: {args.households} households, "
        f"{result['transfers']:,} transfers in {result['seconds']:.1f} s "
        f"({result['transfers'] / result['seconds']:,.0f}/s)"
    )


if __name__ == "__main__":
    main()
