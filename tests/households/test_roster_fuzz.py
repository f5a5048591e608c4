"""Fuzzing the roster import: whatever file a clerk uploads, a clean refusal or clean rows.

Random bytes as CSV and as xlsx, damaged copies of a real xlsx, and well-formed files whose
cells hold any text, number, date or nothing at all: reading gives rows or ``RosterInvalid``,
checking gives a list of problems, and importing (rolled back after each example) either
imports every row or raises ``RosterInvalid``. Never any other exception.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

import pytest
from flask_babel import gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from pointsmart.extensions import db
from pointsmart.households import roster, roster_files
from tests.factories import ROOT

HEADER = ["户号", "户主", "网格/村民小组", "电话", "家庭成员"]
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a spreadsheet cell may hold: any Unicode, with an eye for what a roster has.
cell_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789-+ ", max_size=14),
    st.sampled_from(["一组", "二组", "王秀英(配偶)、李明(儿子)", "13800138000", "（）", "、、"]),
    st.text(alphabet="王李张秀英明建国()（）、,，;；", max_size=120),
)
# Cell values openpyxl writes (no str with characters XML cannot hold: openpyxl refuses
# those itself, before any file exists).
cell_value = st.one_of(
    st.none(),
    cell_text.map(lambda text: "".join(c for c in text if c.isprintable() or c in "\t\n")),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
)
header = st.one_of(
    st.just(HEADER),
    st.permutations(HEADER),
    st.lists(st.sampled_from([*HEADER, "网格", "村民小组", "", "备注"]), max_size=7),
)


def valid_xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(["0001", "李建国", "一组", "13800138000", "王秀英(配偶)、李明(儿子)"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


VALID_XLSX = valid_xlsx()


@st.composite
def damaged_xlsx(draw) -> bytes:
    """A real xlsx cut short, or with a few bytes overwritten."""
    data = bytearray(VALID_XLSX)
    if draw(st.booleans()):
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def xlsx_of(table: list[list]) -> bytes:
    workbook = Workbook()
    for row in table:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_of(table: list[list], encoding: str) -> bytes:
    lines = (
        ",".join(f'"{str(cell).replace(chr(34), chr(34) * 2)}"' for cell in row) for row in table
    )
    return "\n".join(lines).encode(encoding, errors="replace")


@pytest.fixture
def village(make):
    village = make.village()
    make.grid(village, name="一组")
    make.grid(village, name="二组")
    make.household(village, number="0001")
    return village


def read_check_and_import(village_id: int, data: bytes, suffix: str) -> None:
    """The whole path an upload takes; only rows or RosterInvalid may come out."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"roster{suffix}"
        path.write_bytes(data)
        refusal = None
        try:
            rows = roster_files.read_roster(path)
        except roster_files.RosterInvalid as error:
            refusal = error
    if refusal is not None:
        assert (refusal.status, bool(refusal.problems)) == (422, True)
        return
    assert all(isinstance(row, roster_files.RosterRow) for row in rows)
    problems = roster.check_roster(village_id, rows)
    assert all(isinstance(problem, roster_files.RowProblem) for problem in problems)
    savepoint = db.session.begin_nested()
    try:
        imported = roster.import_roster(ROOT, village_id, rows)
        db.session.flush()
    except roster_files.RosterInvalid as error:
        refusal = error
    finally:
        savepoint.rollback()
    if refusal is None:
        assert (problems, imported) == ([], len(rows))
    else:
        assert problems, "refused at import although the check found nothing"
        assert refusal.problems == problems or refusal.problems


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_as_csv_are_read_or_refused(village, data):
    read_check_and_import(village.id, data, ".csv")


@FUZZ
@given(data=st.one_of(st.binary(max_size=2000), damaged_xlsx()))
def test_random_and_damaged_bytes_as_xlsx_are_read_or_refused(village, data):
    read_check_and_import(village.id, data, ".xlsx")


@FUZZ
@given(
    head=header,
    rows=st.lists(st.lists(cell_value, max_size=7), max_size=8),
)
def test_any_cells_in_a_real_xlsx_give_rows_or_row_problems(village, head, rows):
    read_check_and_import(village.id, xlsx_of([head, *rows]), ".xlsx")


@FUZZ
@given(
    head=header,
    rows=st.lists(st.lists(cell_text, max_size=7), max_size=8),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_any_cells_in_a_csv_give_rows_or_row_problems(village, head, rows, encoding):
    read_check_and_import(village.id, csv_of([head, *rows], encoding), ".csv")


# What the fuzzing found, kept as plain regression tests.


@pytest.mark.parametrize("cell", ["\x00", "李\x00建国"])
def test_a_nul_in_a_cell_is_a_row_problem_not_a_database_error(village, tmp_path, cell):
    path = tmp_path / "roster.csv"
    first, second = f"NUL-{len(cell)}-1", f"NUL-{len(cell)}-2"  # numbers no other test uses
    path.write_bytes(f"户号,户主,家庭成员\n{first},{cell},\n{second},王秀英,{cell}(子)\n".encode())

    problems = roster.check_roster(village.id, roster_files.read_roster(path))

    unstorable = gettext(
        "A cell holds a character that cannot be stored (NUL or a broken character)."
    )
    assert [(problem.line, problem.messages) for problem in problems] == [
        (2, [unstorable]),
        (3, [unstorable]),
    ]
