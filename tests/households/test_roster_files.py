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
