"""Roster import: a village's households from the clerk's xlsx or CSV file.

The columns are those a clerk has: 户号 (number), 户主 (head), 网格 or 村民小组 (grid, by
name), 电话 (phone) and 家庭成员 (members, separated by 、 or commas, each optionally with
its relation in brackets: ``王秀英(配偶)``). Numbers, phones and names are cleaned as
``pointsmart.text`` says (``XF-00１`` is ``XF-001``). Every row is checked first (missing
fields, numbers repeated in the file or already in the village, unknown grids, bad phones,
control, invisible or text-direction characters, a member's bracket left open); nothing
is imported unless every row is clean, and then all rows are imported in the caller's one
transaction with bulk inserts (households, members, then their ledger accounts through
``ledger.open_household_accounts``), in chunks so a progress bar can follow.

Problems are worded in the caller's language (Chinese by default, also on the command line).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.auth import Principal
from ..audit import service as audit
from ..errors import Problem
from ..extensions import db
from ..ledger import service as ledger
from ..text import UNSAFE_TEXT, clean_name, clean_number, hidden_character
from .models import Grid, Household, Member
from .service import get_village

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
MEMBER_WITH_RELATION = re.compile(r"^(?P<name>[^(（)）]+)[(（](?P<relation>[^(（)）]*)[)）]$")
BRACKETS = re.compile(r"[(（)）]")
MAX_LENGTHS = {"number": 32, "head_name": 50, "member_name": 50, "relation": 20}
CHUNK = 1000  # rows per bulk insert; the progress bar moves once per chunk
TEMPLATE_EXAMPLE = ["0001", "李建国", "一组", "13800138000", "王秀英(配偶)、李明(儿子)"]


class RosterInvalid(Problem):
    """The roster cannot be imported; ``problems`` names each bad row."""

    status = 422
    code = "roster_invalid"
    title = _l("The roster has rows that cannot be imported; nothing was imported.")

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
    # Members written with a bracket that does not close (周五(儿子): the relation is unclear.
    unclear_members: list[str] = field(default_factory=list)


@dataclass
class RowProblem:
    line: int
    messages: list[str]

    def __str__(self) -> str:
        return _("Row %(line)s: %(problems)s", line=self.line, problems=" ".join(self.messages))


def read_roster(path: Path) -> list[RosterRow]:
    """Read an ``.xlsx`` or ``.csv`` roster into rows; blank rows are skipped."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = _xlsx_rows(path)
    elif suffix == ".csv":
        table = _csv_rows(path.read_bytes())
    else:
        raise RosterInvalid([RowProblem(0, [_("The file must be .xlsx or .csv.")])])
    return _parse(table)


def check_roster(village_id: int, rows: list[RosterRow]) -> list[RowProblem]:
    """Every problem of every row; an empty list means the roster can be imported."""
    grids = _grid_ids(village_id)
    numbers_in_file: dict[str, int] = {}
    taken = {
        clean_number(number)  # as a number is written now, however it was stored
        for number in db.session.execute(
            sa.select(Household.number).where(Household.village_id == village_id)
        ).scalars()
    }
    problems = []
    for row in rows:
        messages = []
        if not row.number:
            messages.append(_("户号 is missing."))
        elif len(row.number) > MAX_LENGTHS["number"]:
            messages.append(_("户号 is longer than %(n)s characters.", n=MAX_LENGTHS["number"]))
        elif row.number in numbers_in_file:
            messages.append(
                _(
                    "户号 %(number)s repeats row %(line)s.",
                    number=row.number,
                    line=numbers_in_file[row.number],
                )
            )
        elif row.number in taken:
            messages.append(_("户号 %(number)s already exists in the village.", number=row.number))
        if row.number:
            numbers_in_file.setdefault(row.number, row.line)
        if not row.head_name:
            messages.append(_("户主 is missing."))
        elif len(row.head_name) > MAX_LENGTHS["head_name"]:
            messages.append(_("户主 is longer than %(n)s characters.", n=MAX_LENGTHS["head_name"]))
        if row.grid and row.grid not in grids:
            messages.append(_("The village has no grid named %(grid)s.", grid=row.grid))
        if row.phone and not PHONE.match(row.phone):
            messages.append(
                _(
                    "电话 %(phone)s is not an 11-digit mobile number starting with 1.",
                    phone=row.phone,
                )
            )
        if any(len(m["name"]) > MAX_LENGTHS["member_name"] for m in row.members) or any(
            len(m["relation"]) > MAX_LENGTHS["relation"] for m in row.members
        ):
            messages.append(
                _(
                    "A member's name is longer than %(name)s characters or the relation "
                    "longer than %(relation)s.",
                    name=MAX_LENGTHS["member_name"],
                    relation=MAX_LENGTHS["relation"],
                )
            )
        if any(UNSAFE_TEXT.search(text) for _column, text in _texts_of(row)):
            messages.append(
                _("A cell holds a character that cannot be stored (NUL or a broken character).")
            )
        else:
            messages += _hidden_character_problems(row)
        for member in row.unclear_members:
            messages.append(
                _(
                    "家庭成员 %(member)s has a bracket that does not close: write it as "
                    "王秀英(配偶).",
                    member=member,
                )
            )
        if messages:
            problems.append(RowProblem(row.line, messages))
    return problems


def _texts_of(row: RosterRow) -> Iterable[tuple[str, str]]:
    """Each text of the row with the key of its column."""
    yield from (
        ("number", row.number),
        ("head_name", row.head_name),
        ("grid", row.grid),
        ("phone", row.phone),
    )
    for member in row.members:
        yield from (("members", member["name"]), ("members", member["relation"]))
    for text in row.unclear_members:
        yield ("members", text)


def _hidden_character_problems(row: RosterRow) -> list[str]:
    """A message for each column that holds a control, invisible or text-direction character
    (see ``pointsmart.text``): no one could tell such a name or number from another."""
    messages: list[str] = []
    named: set[str] = set()
    for column, text in _texts_of(row):
        char = hidden_character(text)
        if char is None or column in named:
            continue
        named.add(column)
        code = f"U+{ord(char):04X}"
        if unicodedata.category(char) == "Cc":
            messages.append(
                _(
                    "%(column)s has a control character (%(code)s).",
                    column=HEADERS[column][0],
                    code=code,
                )
            )
        else:
            messages.append(
                _(
                    "%(column)s has an invisible or text-direction character (%(code)s): "
                    "delete it and save the file again.",
                    column=HEADERS[column][0],
                    code=code,
                )
            )
    return messages


def import_roster(
    actor: Principal,
    village_id: int,
    rows: list[RosterRow],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Import every row, or raise ``RosterInvalid`` naming each bad row and import nothing.

    Only an admin of the village may. Households, their members and their ledger accounts are
    bulk-inserted ``CHUNK`` rows at a time; ``progress(n)`` is called after each chunk with
    the number of rows it held. An audit entry ``household.import`` records the count. Adds
    and flushes only: the caller commits once (or rolls back). A household number that a
    concurrent writer committed meanwhile raises ``sqlalchemy.exc.IntegrityError``.
    """
    get_village(actor, village_id)
    actor.require_admin(village_id)
    problems = check_roster(village_id, rows)
    if problems:
        raise RosterInvalid(problems)
    grids = _grid_ids(village_id)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        _insert_chunk(village_id, chunk, grids)
        if progress is not None:
            progress(len(chunk))
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action="household.import",
        target_type="village",
        target_id=village_id,
        changes={"count": len(rows)},
    )
    return len(rows)


def _insert_chunk(village_id: int, chunk: list[RosterRow], grids: dict[str, int]) -> None:
    ids = dict(
        db.session.execute(
            sa.insert(Household).returning(Household.number, Household.id),
            [
                {
                    "village_id": village_id,
                    "number": row.number,
                    "head_name": row.head_name,
                    "grid_id": grids.get(row.grid) if row.grid else None,
                    "phone": row.phone or None,
                }
                for row in chunk
            ],
        ).all()
    )
    members = [
        {"household_id": ids[row.number], "name": member["name"], "relation": member["relation"]}
        for row in chunk
        for member in row.members
    ]
    if members:
        db.session.execute(sa.insert(Member), members)
    ledger.open_household_accounts(village_id, [ids[row.number] for row in chunk])


def recent_households(actor: Principal, village_id: int, limit: int = 20) -> list[Household]:
    """The village's newest households first (what an import just added), for its admins."""
    get_village(actor, village_id)
    actor.require_admin(village_id)
    return list(
        db.session.execute(
            sa.select(Household)
            .options(selectinload(Household.grid))
            .where(Household.village_id == village_id)
            .order_by(Household.id.desc())
            .limit(limit)
        ).scalars()
    )


def count_households(village_id: int) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Household).where(Household.village_id == village_id)
    ).scalar_one()


def template_csv() -> bytes:
    """The roster template as CSV: the header and one example row (UTF-8 with a BOM, which
    Excel needs to show Chinese)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([names[0] for names in HEADERS.values()])
    writer.writerow(TEMPLATE_EXAMPLE)
    return text.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The roster template as xlsx: the header and one example row, numbers kept as text."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "户籍名册"
    sheet.append([names[0] for names in HEADERS.values()])
    sheet.append(TEMPLATE_EXAMPLE)
    for column, width in zip("ABCDE", (10, 12, 16, 16, 36), strict=True):
        sheet.column_dimensions[column].width = width
        for cell in sheet[column]:
            cell.number_format = "@"  # text: 0001 keeps its zeros, a phone stays a phone
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _grid_ids(village_id: int) -> dict[str, int]:
    return dict(
        db.session.execute(sa.select(Grid.name, Grid.id).where(Grid.village_id == village_id)).all()
    )


def _xlsx_rows(path: Path) -> Iterable[list[str]]:

    from openpyxl import load_workbook

    # A damaged or foreign file can fail anywhere inside openpyxl, zipfile, zlib or the XML
    # parser, while opening or (read-only mode parses lazily) while reading rows, with
    # exceptions of many kinds: all of them mean "not an xlsx we can read".
    # The file is ours to open and close: when openpyxl fails half way it leaves its archive
    # and the sheet it was reading open, and only the garbage collector would close the file.
    try:
        with path.open("rb") as handle:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                rows = sheet.iter_rows(values_only=True)
                return [[_cell_text(cell) for cell in row] for row in rows]
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
        raise RosterInvalid([RowProblem(0, [_("The file is neither UTF-8 nor GBK text.")])])
    try:
        # newline="": the csv module itself reads \r, \n and \r\n line ends, also inside quotes.
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:  # say a field over the csv module's size limit
        raise RosterInvalid([RowProblem(0, [_("The file cannot be read as CSV.")])]) from error


def _parse(table: Iterable[list[str]]) -> list[RosterRow]:
    table = list(table)
    if not table:
        raise RosterInvalid([RowProblem(1, [_("The file is empty.")])])
    header = [cell.strip() for cell in table[0]]
    columns = {}
    for key, names in HEADERS.items():
        for index, title in enumerate(header):
            if title in names:
                columns[key] = index
                break
    missing = [HEADERS[key][0] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise RosterInvalid(
            [RowProblem(1, [_("There is no column %(name)s.", name=name) for name in missing])]
        )

    def cell(values: list[str], key: str) -> str:
        index = columns.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    rows = []
    for line, values in enumerate(table[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        members, unclear = _members(cell(values, "members"))
        rows.append(
            RosterRow(
                line=line,
                number=_tidy(cell(values, "number"), clean_number),
                head_name=_tidy(cell(values, "head_name"), clean_name),
                grid=_tidy(cell(values, "grid"), clean_name),
                phone=_tidy(cell(values, "phone"), clean_number),
                members=members,
                unclear_members=unclear,
            )
        )
    return rows


def _tidy(text: str, clean: Callable[[str], str]) -> str:
    """``clean(text)``; a text with a hidden character stays as it is, for the row problem
    to name it (cleaning would turn a tab or a line break into a space)."""
    return text if hidden_character(text) else clean(text)


def _members(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """The members written in a cell, and those whose bracket does not close."""
    members, unclear = [], []
    for part in MEMBER_SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        match = MEMBER_WITH_RELATION.match(part)
        if match:
            name, relation = match["name"].strip(), match["relation"].strip()
        elif BRACKETS.search(part):
            unclear.append(part)
            continue
        else:
            name, relation = part, ""
        members.append({"name": _tidy(name, clean_name), "relation": _tidy(relation, clean_name)})
    return members, unclear
