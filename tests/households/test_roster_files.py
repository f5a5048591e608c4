"""Reading roster files: missing columns, damaged or truncated xlsx (its file closed), old Mac
line ends and a field beyond the csv module's limit."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from pointsmart.households import roster_files
from tests.households.test_roster_fuzz import VALID_XLSX


def test_a_file_without_the_needed_columns_is_refused(ctx, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("名字,电话\n李四,13800000000\n", encoding="utf-8")

    with pytest.raises(roster_files.RosterInvalid) as refused:
        roster_files.read_roster(path)

    assert [str(p) for p in refused.value.problems] == ["第 1 行：缺少“户号”列。 缺少“户主”列。"]


def xlsx_with_a_broken_part(part: str) -> bytes:
    """The valid roster with one of its XML parts cut off half way."""
    original = zipfile.ZipFile(io.BytesIO(VALID_XLSX))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as archive:
        for name in original.namelist():
            data = original.read(name)
            archive.writestr(name, data[:100] + b"<<<" if name == part else data)
    return damaged.getvalue()


@pytest.mark.parametrize(
    "part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml", "[Content_Types].xml"]
)
def test_a_damaged_xlsx_is_refused_with_its_file_closed(tmp_path, part):
    """openpyxl leaves the file open when it fails half way; CI's fuzz run met the
    ResourceWarning when the garbage collector closed it during a later example."""
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_with_a_broken_part(part))

    with pytest.raises(roster_files.RosterInvalid) as refused:
        roster_files.read_roster(path)

    assert refused.value.problems  # the refusal, with its cause, is still alive here
    still_open = [
        fd
        for fd in os.listdir("/proc/self/fd")
        if Path(f"/proc/self/fd/{fd}").resolve() == path.resolve()
    ]
    assert still_open == []


def test_a_csv_with_old_mac_line_ends_is_read(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes("户号,户主\r0001,李建国\r0002,王秀英\r".encode())

    rows = roster_files.read_roster(path)

    assert [(row.number, row.head_name) for row in rows] == [("0001", "李建国"), ("0002", "王秀英")]


def test_a_csv_field_beyond_the_csv_modules_limit_is_refused(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(f'户号,户主\n0001,"{"王" * 200_000}"\n'.encode())

    with pytest.raises(roster_files.RosterInvalid):
        roster_files.read_roster(path)


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_a_truncated_xlsx_is_refused(tmp_path, cut):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(VALID_XLSX[: int(len(VALID_XLSX) * cut)])

    with pytest.raises(roster_files.RosterInvalid):
        roster_files.read_roster(path)


def xlsx_with_sheet(rewrite) -> bytes:
    """The valid roster with its sheet's XML rewritten by ``rewrite(bytes) -> bytes``."""
    original = zipfile.ZipFile(io.BytesIO(VALID_XLSX))
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in original.namelist():
            data = original.read(name)
            archive.writestr(name, rewrite(data) if name == "xl/worksheets/sheet1.xml" else data)
    return changed.getvalue()


def claiming_the_largest_sheet(sheet: bytes) -> bytes:
    """The sheet says it is 16,384 columns wide and a million rows long."""
    import re

    without = re.sub(rb"<dimension [^>]*>", b"", sheet)
    return without.replace(b"<sheetData", b'<dimension ref="A1:XFD1048576"/><sheetData', 1)


def test_an_xlsx_claiming_a_huge_sheet_is_read_only_as_wide_as_a_roster(tmp_path):
    """A few kilobytes claiming the largest sheet Excel has: openpyxl pads each row to the
    claimed width, so a cell on row 4,000 took 670 MB and a cell on the last row would take
    every byte of the server's memory. Found by the security hunt; for every village on the
    server, whose pages stop while the worker is killed."""
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_with_sheet(claiming_the_largest_sheet))

    table = roster_files._xlsx_rows(path)

    assert table
    assert max(len(row) for row in table) <= roster_files.MAX_COLUMNS
    assert [(row.number, row.head_name) for row in roster_files.read_roster(path)][:1] == [
        ("0001", "李建国")
    ]


def test_an_xlsx_unpacking_to_far_more_than_any_roster_is_refused_unread(tmp_path):
    """A zip bomb: 60 MB of sheet packed into a few kilobytes is refused before it is parsed."""
    padding = b"<!--" + b" " * (roster_files.MAX_XLSX_UNPACKED_BYTES + 1) + b"-->"
    path = tmp_path / "roster.xlsx"
    path.write_bytes(
        xlsx_with_sheet(lambda sheet: sheet.replace(b"<sheetData", padding + b"<sheetData", 1))
    )
    assert path.stat().st_size < 1_000_000

    with pytest.raises(roster_files.RosterInvalid) as refused:
        roster_files.read_roster(path)

    assert [p.messages for p in refused.value.problems] == [
        ["The file is too large to be a roster."]
    ]


def test_a_row_with_something_past_the_last_row_a_roster_may_have_is_refused(tmp_path):
    far = roster_files.MAX_ROWS + 5
    far_row = f'<row r="{far}"><c r="A{far}" t="inlineStr"><is><t>9999</t></is></c></row>'
    path = tmp_path / "roster.xlsx"
    path.write_bytes(
        xlsx_with_sheet(
            lambda sheet: sheet.replace(b"</sheetData>", far_row.encode() + b"</sheetData>")
        )
    )

    with pytest.raises(roster_files.RosterInvalid) as refused:
        roster_files.read_roster(path)

    assert [p.line for p in refused.value.problems] == [far]


def test_a_csv_with_more_rows_than_a_roster_may_have_is_refused(tmp_path):
    """4 MB of CSV is half a million households: read and kept whole, 270 MB of memory
    for one upload, before a single row was checked."""
    path = tmp_path / "roster.csv"
    rows = "".join(f"{number},李\n" for number in range(1, roster_files.MAX_ROWS + 2))
    path.write_text("户号,户主\n" + rows + "\n\n", encoding="utf-8")

    with pytest.raises(roster_files.RosterInvalid) as refused:
        roster_files.read_roster(path)

    assert [p.line for p in refused.value.problems] == [roster_files.MAX_ROWS + 1]


def test_a_csv_of_as_many_rows_as_a_roster_may_have_is_read(tmp_path):
    path = tmp_path / "roster.csv"
    rows = "".join(f"{number},李\n" for number in range(1, roster_files.MAX_ROWS))
    path.write_text("户号,户主\n" + rows + "\n" * 50, encoding="utf-8")

    assert len(roster_files.read_roster(path)) == roster_files.MAX_ROWS - 1
