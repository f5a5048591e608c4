"""The committee report's tables downloaded, read back as a spreadsheet user would."""

import pytest

from tests.reports.test_exports import read_csv, read_xlsx
from tests.reports.web import get


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_committee_tables_download(as_admin, books, fmt):
    base = f"/villages/{books.village.id}/reports"
    read = read_csv if fmt == "csv" else read_xlsx

    summary = read(get(as_admin, f"{base}/summary.{fmt}?period={books.period}"))
    leaders = read(get(as_admin, f"{base}/leaders.{fmt}?period={books.period}"))
    year = read(get(as_admin, f"{base}/leaders12.{fmt}?period={books.period}"))
    months = read(get(as_admin, f"{base}/months.{fmt}?period={books.period}"))

    lines = {row[0]: [str(v) for v in row[1:]] for row in summary[1:]}
    assert lines["发放"] == ["180", "90.00"] or lines["发放"] == ["180", "90"]
    assert lines["各户持有(未兑换)"][0] == "140"
    assert lines["现有库存商品"][0] == "620"
    assert [str(v) for v in leaders[1][1:4]] == ["2", "4", "120"]
    assert str(leaders[1][6]) in ("58.3", "58.30")
    assert leaders[1][4] == "XF-002"
    assert [str(v) for v in year[2][1:4]] == ["1", "2", "60"]
    assert len(months) == 13
    assert [str(v) for v in months[-1]] == [books.period, "180", "10", "30", "0", "140"]
