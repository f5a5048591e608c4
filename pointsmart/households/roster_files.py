"""Reading a roster file: a village's households from the clerk's xlsx or CSV file, and the
blank templates the clerk fills in.

The columns are those a clerk has: 户号 (number), 户主 (head), 网格 or 村民小组 (grid, by
name), 电话 (phone) and 家庭成员 (members, separated by 、 or commas, each optionally with
its relation in brackets: ``王秀英(配偶)``). Numbers, phones and names are cleaned as
``pointsmart.text`` says (``XF-00１`` is ``XF-001``); a text with a hidden character is kept
as it is, for ``roster.check_roster`` to name it. A file that cannot be read at all raises
``RosterInvalid``. Checking and importing the rows is ``roster``.

Problems are worded in the caller's language (Chinese by default, also on the command line).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import Problem
from ..text import clean_name, clean_number, clean_phone, hidden_character

HEADERS = {
    "number": ("户号",),
    "head_name": ("户主",),
    "grid": ("网格/村民小组", "网格", "村民小组"),
    "phone": ("电话",),
    "members": ("家庭成员",),
}
REQUIRED_COLUMNS = ("number", "head_name")
MEMBER_SEPARATORS = re.compile(r"[、,，;；]")
MEMBER_WITH_RELATION = re.compile(r"^(?P<name>[^(（)）]+)[(（](?P<relation>[^(（)）]*)[)）]$")
BRACKETS = re.compile(r"[(（)）]")
# What a roster may be. 4 MB of CSV holds half a million rows (270 MB once read); a few
# kilobytes of xlsx may claim a sheet 16,384 columns wide and a
# million rows long (which openpyxl pads every row to), or unpack to gigabytes: read as it
# claims, one such upload took every byte of the server's memory.
MAX_ROWS = 20_000  # households of a village, with room to spare
MAX_COLUMNS = 64  # the roster has five; a clerk's sheet may carry more beside them
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024
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


def _xlsx_rows(path: Path) -> Iterable[list[str]]:
    """The first sheet's rows as text, read no wider than ``MAX_COLUMNS`` and no longer than
    ``MAX_ROWS`` (see the module's note on what a small file may claim)."""
    from openpyxl import load_workbook

    # A damaged or foreign file can fail anywhere inside openpyxl, zipfile, zlib or the XML
    # parser, while opening or (read-only mode parses lazily) while reading rows, with
    # exceptions of many kinds: all of them mean "not an xlsx we can read".
    # The file is ours to open and close: when openpyxl fails half way it leaves its archive
    # and the sheet it was reading open, and only the garbage collector would close the file.
    try:
        with path.open("rb") as handle:
            _refuse_what_unpacks_too_large(handle)
            workbook = load_workbook(handle, read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # the size the file claims is no size to pad to
                rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
                return _within_the_limit(rows)
            finally:
                workbook.close()
    except RosterTooLarge:
        raise
    except Exception as error:
        raise RosterInvalid([RowProblem(0, [_("The file cannot be read as xlsx.")])]) from error


class RosterTooLarge(RosterInvalid):
    """A roster beyond what any village has: refused before it is read any further."""


def _refuse_what_unpacks_too_large(handle) -> None:
    """An xlsx is a zip archive: what its parts unpack to, as its directory says (zipfile
    never unpacks a part beyond the size its directory gives), must stay within
    ``MAX_XLSX_UNPACKED_BYTES``."""
    with zipfile.ZipFile(handle) as archive:
        unpacked = sum(part.file_size for part in archive.infolist())
    handle.seek(0)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise RosterTooLarge([RowProblem(0, [_("The file is too large to be a roster.")])])


def _within_the_limit(rows: Iterable[Sequence[Any]]) -> list[list[str]]:
    """The rows as text; blank rows past ``MAX_ROWS`` are dropped, and a row with something
    in it there refuses the file."""
    table = []
    for line, row in enumerate(rows, start=1):
        if line > MAX_ROWS:
            if any(cell is not None and str(cell).strip() for cell in row):
                message = _("A roster has at most %(n)s rows.", n=MAX_ROWS)
                raise RosterTooLarge([RowProblem(line, [message])])
            continue
        table.append([_cell_text(cell) for cell in row])
    return table


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
        return _within_the_limit(csv.reader(io.StringIO(text, newline="")))
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
                phone=_tidy(cell(values, "phone"), clean_phone),
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
