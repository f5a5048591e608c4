"""Any table as CSV or xlsx, for Excel users.

* CSV is UTF-8 with a byte order mark, so Excel opens Chinese text correctly, and it is
  streamed row by row: a whole ledger never sits in memory.
* xlsx is written with openpyxl's write-only workbook (rows are not kept as cell objects).
* Formula injection: a text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or
  carriage return, which some spreadsheets skip before a formula) gets a leading ``'``, so a
  household named ``=HYPERLINK(...)`` stays text. Numbers are written as numbers.
* Whatever is already stored: a control character that xlsx cannot hold (openpyxl refuses
  ``张\x07三`` and the whole export would fail) and a character that turns text around (a
  right-to-left override) are each written as U+FFFD (�), in CSV too, so the file opens
  and shows where something was. New names cannot hold them (``pointsmart.text``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..text import BIDI_CONTROLS

BOM = "\ufeff"
REPLACEMENT = "\ufffd"
UNWRITABLE = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[{''.join(sorted(BIDI_CONTROLS))}]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    """A named table: Chinese column headers and rows of plain values.

    ``rows`` is called when the table is written, so a streamed CSV runs its query while the
    response is being sent.
    """

    name: str  # the file name without extension, ASCII
    title: str  # the sheet's title
    headers: Sequence[str]
    rows: Callable[[], Iterable[Sequence[Any]]]


def safe_cell(value: Any) -> Any:
    """A value as it may go into a spreadsheet cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    text = UNWRITABLE.sub(REPLACEMENT, str(value))
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_chunks(table: Table, *, rows_per_chunk: int = 500) -> Iterator[str]:
    """The table as CSV text, BOM first, in chunks of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([safe_cell(h) for h in table.headers])
    for count, row in enumerate(table.rows(), start=1):
        writer.writerow([safe_cell(v) for v in row])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# What a sheet's title cannot hold (Excel's rule, which openpyxl enforces with a ValueError).
NOT_IN_SHEET_TITLES = re.compile(r"[\\/*?:\[\]]")


def sheet_title(title: str) -> str:
    """A title that may name a sheet: at most 31 characters, each of ``\\ / * ? : [ ]`` (a
    region named 城关镇/东区) as ``_`` and anything a cell could not hold as U+FFFD."""
    return UNWRITABLE.sub(REPLACEMENT, NOT_IN_SHEET_TITLES.sub("_", title))[:31]


def xlsx_bytes(tables: Table | Sequence[Table]) -> bytes:
    """One workbook with a sheet per table."""
    workbook = Workbook(write_only=True)
    for table in [tables] if isinstance(tables, Table) else tables:
        sheet = workbook.create_sheet(title=sheet_title(table.title))
        sheet.append([safe_cell(h) for h in table.headers])
        for row in table.rows():
            sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(table: Table, fmt: str) -> Response:
    """A download response: CSV streamed, xlsx in one piece."""
    if fmt == "csv":
        # text/csv gets "; charset=utf-8" from Flask.
        response = Response(stream_with_context(csv_chunks(table)), mimetype="text/csv")
    else:
        response = Response(xlsx_bytes(table), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{table.name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response
