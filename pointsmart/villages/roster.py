"""Roster import: a village's households from the clerk's xlsx or CSV file.

The columns are those a clerk has: 户号 (number), 户主 (head), 网格 or 村民小组 (grid, by
name), 电话 (phone) and 家庭成员 (members, separated by 、 or commas, each optionally with
its relation in brackets: ``王秀英(配偶)``). Every row is checked first (missing fields,
numbers repeated in the file or already in the village, unknown grids, bad phones); nothing
is imported unless every row is clean, and then all rows are imported in the caller's one
transaction, through ``create_household`` so each household's ledger account is opened.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.auth import Principal
from ..errors import Problem
from ..extensions import db
from .models import Grid, Household
from .service import create_household, get_village

HEADERS = {
    "number": ("户号",),
    "head_name": ("户主",),
    "grid": ("网格/村民小组", "网格", "村民小组"),
    "phone": ("电话",),
    "members": ("家庭成员",),
}
REQUIRED_COLUMNS = ("number", "head_name")
PHONE = re.compile(r"^1[3-9][0-9]{9}\Z")
MEMBER_SEPARATORS = re.compile(r"[、,，;；]")
MEMBER_WITH_RELATION = re.compile(r"^(?P<name>[^(（]+)[(（](?P<relation>[^)）]*)[)）]$")
MAX_LENGTHS = {"number": 32, "head_name": 50}


class RosterInvalid(Problem):
    """The roster cannot be imported; ``problems`` names each bad row."""

    status = 422
    code = "roster_invalid"
    title = "The roster has rows that cannot be imported; nothing was imported."

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(errors={str(problem.line): problem.messages for problem in problems})


@dataclass
class RosterRow:
    line: int  # the row number the clerk sees in the spreadsheet (the header is row 1)
    number: str = ""
    head_name: str = ""
    grid: str = ""
    phone: str = ""
    members: list[dict[str, str]] = field(default_factory=list)


@dataclass
class RowProblem:
    line: int
    messages: list[str]

    def __str__(self) -> str:
        return f"row {self.line}: {'; '.join(self.messages)}"


def read_roster(path: Path) -> list[RosterRow]:
    """Read an ``.xlsx`` or ``.csv`` roster into rows; blank rows are skipped."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = _xlsx_rows(path)
    elif suffix == ".csv":
        table = _csv_rows(path.read_bytes())
    else:
        raise RosterInvalid([RowProblem(0, ["the file must be .xlsx or .csv"])])
    return _parse(table)


def check_roster(village_id: int, rows: list[RosterRow]) -> list[RowProblem]:
    """Every problem of every row; an empty list means the roster can be imported."""
    grids = _grid_ids(village_id)
    numbers_in_file: dict[str, int] = {}
    taken = set(
        db.session.execute(
            sa.select(Household.number).where(Household.village_id == village_id)
        ).scalars()
    )
    problems = []
    for row in rows:
        messages = []
        if not row.number:
            messages.append("户号 is missing")
        elif len(row.number) > MAX_LENGTHS["number"]:
            messages.append(f"户号 is longer than {MAX_LENGTHS['number']} characters")
        elif row.number in numbers_in_file:
            messages.append(f"户号 {row.number} repeats row {numbers_in_file[row.number]}")
        elif row.number in taken:
            messages.append(f"户号 {row.number} already exists in the village")
        if row.number:
            numbers_in_file.setdefault(row.number, row.line)
        if not row.head_name:
            messages.append("户主 is missing")
        elif len(row.head_name) > MAX_LENGTHS["head_name"]:
            messages.append(f"户主 is longer than {MAX_LENGTHS['head_name']} characters")
        if row.grid and row.grid not in grids:
            messages.append(f"no grid named {row.grid} in the village")
        if row.phone and not PHONE.match(row.phone):
            messages.append(f"电话 {row.phone} is not an 11-digit mobile number starting with 1")
        if messages:
            problems.append(RowProblem(row.line, messages))
    return problems


def import_roster(
    actor: Principal,
    village_id: int,
    rows: list[RosterRow],
    progress: Callable[[RosterRow], None] | None = None,
) -> int:
    """Import every row, or raise ``RosterInvalid`` naming each bad row and import nothing.

    Adds and flushes only: the caller commits once (or rolls back).
    """
    get_village(actor, village_id)
    actor.require_admin(village_id)
    problems = check_roster(village_id, rows)
    if problems:
        raise RosterInvalid(problems)
    grids = _grid_ids(village_id)
    for row in rows:
        create_household(
            actor,
            village_id,
            number=row.number,
            head_name=row.head_name,
            grid_id=grids.get(row.grid) if row.grid else None,
            phone=row.phone or None,
            members=row.members,
        )
        if progress is not None:
            progress(row)
    return len(rows)


def _grid_ids(village_id: int) -> dict[str, int]:
    return dict(
        db.session.execute(sa.select(Grid.name, Grid.id).where(Grid.village_id == village_id)).all()
    )


def _xlsx_rows(path: Path) -> Iterable[list[str]]:
    from openpyxl import load_workbook

    # A damaged or foreign file can fail anywhere inside openpyxl, zipfile, zlib or the XML
    # parser, while opening or (read-only mode parses lazily) while reading rows, with
    # exceptions of many kinds: all of them mean "not an xlsx we can read".
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [[_cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except Exception as error:
        raise RosterInvalid([RowProblem(0, [_("The file cannot be read as xlsx.")])]) from error


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into Excel: 13800138000.0
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterable[list[str]]:
    # Excel in China saves CSV as GBK; anything else we meet is UTF-8 (perhaps with a BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise RosterInvalid([RowProblem(0, ["the file is neither UTF-8 nor GBK text"])])
    try:
        # newline="": the csv module itself reads \r, \n and \r\n line ends, also inside quotes.
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:  # say a field over the csv module's size limit
        raise RosterInvalid([RowProblem(0, [_("The file cannot be read as CSV.")])]) from error


def _parse(table: Iterable[list[str]]) -> list[RosterRow]:
    table = list(table)
    if not table:
        raise RosterInvalid([RowProblem(1, ["the file is empty"])])
    header = [cell.strip() for cell in table[0]]
    columns = {}
    for key, names in HEADERS.items():
        for index, title in enumerate(header):
            if title in names:
                columns[key] = index
                break
    missing = [HEADERS[key][0] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise RosterInvalid([RowProblem(1, [f"no column {name}" for name in missing])])

    def cell(values: list[str], key: str) -> str:
        index = columns.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    rows = []
    for line, values in enumerate(table[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        rows.append(
            RosterRow(
                line=line,
                number=cell(values, "number"),
                head_name=cell(values, "head_name"),
                grid=cell(values, "grid"),
                phone=cell(values, "phone"),
                members=_members(cell(values, "members")),
            )
        )
    return rows


def _members(text: str) -> list[dict[str, str]]:
    members = []
    for part in MEMBER_SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        match = MEMBER_WITH_RELATION.match(part)
        if match:
            members.append({"name": match["name"].strip(), "relation": match["relation"].strip()})
        else:
            members.append({"name": part, "relation": ""})
    return members
