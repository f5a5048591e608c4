"""Roster import: 10,000 households from xlsx and from CSV, as ``flask households import`` does.

    .venv/bin/python bench/roster_import.py [--households 10000] [--database URL]

Writes a roster of ``--households`` rows (four grids, a phone and two members on each row)
as xlsx and as CSV, then imports each file into a fresh village in one committed
transaction, timing separately: reading the file, checking every row, and the import
(bulk inserts of households, members and ledger accounts, then the commit). Prints the
figures; the target of issue 6 is under 10 s for 10,000 households on SQLite. Uses a
throwaway SQLite file unless ``--database`` names another database.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate
import sqlalchemy as sa
from openpyxl import Workbook

from pointsmart import create_app
from pointsmart.extensions import db
from pointsmart.households import roster
from pointsmart.ledger.models import Account
from pointsmart.ledger.verify import verify_village
from tests.factories import ROOT, Factories

HEADER = ["户号", "户主", "网格/村民小组", "电话", "家庭成员"]
GRIDS = ["一组", "二组", "三组", "四组"]


def roster_rows(count: int) -> list[list[str]]:
    return [
        [
            f"{index:05d}",
            f"李{index:05d}",
            GRIDS[index % len(GRIDS)],
            f"138{index:08d}",
            f"王{index:05d}(配偶)、李小{index:05d}(子)",
        ]
        for index in range(1, count + 1)
    ]


def write_files(folder: Path, rows: list[list[str]]) -> dict[str, Path]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("户籍名册")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    xlsx = folder / "roster.xlsx"
    workbook.save(xlsx)
    csv_path = folder / "roster.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return {"xlsx": xlsx, "csv": csv_path}


def import_file(path: Path) -> dict[str, float]:
    make = Factories()
    village = make.village()
    for name in GRIDS:
        make.grid(village, name=name)
    db.session.commit()

    started = time.perf_counter()
    rows = roster.read_roster(path)
    read = time.perf_counter() - started

    started = time.perf_counter()
    problems = roster.check_roster(village.id, rows)
    check = time.perf_counter() - started
    assert not problems, problems[:3]

    started = time.perf_counter()
    count = roster.import_roster(ROOT, village.id, rows)  # checks again, as the command does
    db.session.commit()
    imported = time.perf_counter() - started

    accounts = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Account)
        .where(Account.village_id == village.id, Account.household_id.is_not(None))
    ).scalar_one()
    assert count == accounts == len(rows)
    assert verify_village(village.id).ok
    db.session.rollback()
    return {"read": read, "check": check, "import": imported, "count": count}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = args.database or f"sqlite:///{folder}/bench.db"
    os.environ.setdefault("POINTSMART_ENV", "testing")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "PUBLIC_BASE_URL": "https://bench.example.test",
        }
    )
    files = write_files(folder, roster_rows(args.households))
    with app.app_context():
        flask_migrate.upgrade()
        print(f"database: {url.split(':')[0]}, households per file: {args.households:,}")
        for kind, path in files.items():
            figures = import_file(path)
            total = figures["read"] + figures["check"] + figures["import"]
            print(
                f"{kind:<5} {path.stat().st_size / 1024:>6,.0f} KiB  "
                f"read {figures['read']:.2f} s  check {figures['check']:.2f} s  "
                f"import+commit {figures['import']:.2f} s  total {total:.2f} s  "
                f"({figures['count'] / total:,.0f} households/s)"
            )


if __name__ == "__main__":
    main()
