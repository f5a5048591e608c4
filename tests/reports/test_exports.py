"""Exports, read back as a spreadsheet user would: xlsx with openpyxl, CSV with the csv module
(UTF-8 with a byte order mark)."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from pointsmart.counter.models import Settlement, Shop
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.reports.tabular import Table, safe_cell, xlsx_bytes
from tests.reports.web import get


def read_csv(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # Excel reads the BOM as UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def rows_by(table: list[list], column: str) -> dict:
    headers = table[0]
    return {row[headers.index(column)]: dict(zip(headers, row, strict=True)) for row in table[1:]}


def test_formula_like_text_is_kept_as_text():
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_cell("+86 138") == "'+86 138"
    assert safe_cell("-1+1") == "'-1+1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("王建国") == "王建国"
    assert safe_cell(-10) == -10  # numbers stay numbers
    assert safe_cell(None) == ""


def test_a_sheet_title_with_characters_excel_refuses_still_writes():
    """A sheet's title comes from a name (a township 城关镇/东区): the characters a sheet
    title cannot hold (\\ / * ? : [ ]) are replaced, and the workbook is written."""
    table = Table("t", "城关镇/东区:试点[1]?*\\ 2026-11", ["村"], lambda: [["幸福村"]])
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(table)), read_only=True)
    assert book.sheetnames == ["城关镇_东区_试点_1____ 2026-11"]
    assert list(book.active.iter_rows(values_only=True)) == [("村",), ("幸福村",)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_households_export(as_admin, books, fmt):
    response = get(as_admin, f"/villages/{books.village.id}/exports/households.{fmt}")

    table = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert table[0] == ["户号", "户主", "网格", "电话", "状态", "余额", "家庭成员", "登记时间"]
    rows = rows_by(table, "户号")
    assert set(rows) == {"XF-001", "XF-002", "XF-003", "XF-004"}  # not the other village's
    wang = rows["XF-001"]
    assert (wang["户主"], wang["网格"], wang["状态"]) == ("王建国", "一组", "在册")
    assert str(wang["余额"]) == "20"
    assert wang["家庭成员"] == "王小明(子)"
    assert response.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_transfers_export_of_a_month_and_of_everything(as_admin, books, make, fmt):
    make.award(books.zhao, 3, period="2025-06")
    base = f"/villages/{books.village.id}/exports/transfers.{fmt}"
    read = read_csv if fmt == "csv" else read_xlsx

    month = read(get(as_admin, f"{base}?period={books.period}"))
    everything = read(get(as_admin, base))

    count = db.session.execute(
        sa.select(sa.func.count()).where(Transfer.village_id == books.village.id)
    ).scalar_one()
    assert len(everything) - 1 == count
    assert len(month) - 1 == count - 1  # the 2025-06 award is not in this month
    assert month[0][:5] == ["链序号", "转账编号", "时间", "月份", "类型"]
    headers = everything[0]
    first = dict(zip(headers, everything[1], strict=True))
    assert str(first["链序号"]) == "1"
    assert (first["类型"], first["户号"], first["户主"], str(first["积分"])) == (
        "奖励",
        "XF-001",
        "王建国",
        "30",
    )
    assert (first["借方账户"], first["贷方账户"]) == ("村里发放", "XF-001 王建国")
    assert len(first["哈希"]) == 64
    reversal = next(r for r in everything[1:] if r[headers.index("撤销的记录")] not in ("", None))
    assert reversal[headers.index("备注")] == "录错了"
    assert reversal[headers.index("类型")] == "撤销奖励"
    # words, never the ledger's codes: categories, kinds and accounts
    words = {str(cell) for row in everything[1:] for cell in row}
    assert {"志愿服务", "红榜", "黑榜", "兑换", "幸福超市", "村里扣回"} <= words
    codes = {"rule", "volunteer", "red", "black", "other", "issued", "penalties", "settled"}
    assert words & codes == set()
    assert not [w for w in words if w.startswith(("household:", "shop:"))]
    old = [r for r in everything[1:] if r[headers.index("月份")] == "2025-06"]
    assert [r[headers.index("户号")] for r in old] == ["XF-004"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_redemptions_export(as_admin, books, fmt):
    response = get(as_admin, f"/villages/{books.village.id}/exports/redemptions.{fmt}")

    table = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert len(table) == 2
    sale = dict(zip(table[0], table[1], strict=True))
    assert (sale["商店"], sale["户号"], sale["户主"]) == ("幸福超市", "XF-001", "王建国")
    assert str(sale["积分"]) == "30"
    assert sale["商品"] == "香皂×2"
    assert sale["已撤销"] == "否"
    assert sale["月份"] == books.period
    assert sale["离线售出时间"] in ("", None)  # sold online


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_settlements_export(as_admin, books, fmt):
    shop = db.session.execute(
        sa.select(Shop).where(Shop.village_id == books.village.id)
    ).scalar_one()
    transfer = ledger.settle(books.village.id, shop.id, 30, period="2025-06")
    db.session.add(
        Settlement(
            shop_id=shop.id,
            period="2025-06",
            points=30,
            yuan_per_point=Decimal("0.50"),
            yuan=Decimal("15.00"),
            transfer_id=transfer.id,
            settled_by_id=books.admin.user_id,
        )
    )
    db.session.flush()

    response = get(
        as_admin, f"/villages/{books.village.id}/exports/settlements.{fmt}?period=2025-06"
    )
    other_month = get(
        as_admin, f"/villages/{books.village.id}/exports/settlements.{fmt}?period=2025-07"
    )

    table = read_csv(response) if fmt == "csv" else read_xlsx(response)
    row = dict(zip(table[0], table[1], strict=True))
    assert (row["商店"], row["月份"], str(row["积分"])) == ("幸福超市", "2025-06", "30")
    assert str(row["金额(元)"]) in ("15.00", "15")
    assert row["结算人"] == books.admin.username
    assert len((read_csv if fmt == "csv" else read_xlsx)(other_month)) == 1  # headers only


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_household_named_like_a_formula_stays_text(as_admin, books, make, fmt):
    make.household(books.village, number="XF-999", head_name="=1+2")

    response = get(as_admin, f"/villages/{books.village.id}/exports/households.{fmt}")

    table = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert rows_by(table, "户号")["XF-999"]["户主"] == "'=1+2"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name", ["张\x07三", "\u202e三张", "张三\x1b"])
def test_names_stored_before_they_were_refused_do_not_break_the_exports(
    as_admin, books, make, fmt, name
):
    """xlsx cannot hold a control character (openpyxl refused the whole file: a 500); a
    right-to-left override would turn the cell around. Each is written as U+FFFD."""
    household = make.household(books.village, number="XF-998", members=[{"name": "李四"}])
    household.head_name = name  # as stored before names were checked at the edge
    db.session.flush()

    response = get(as_admin, f"/villages/{books.village.id}/exports/households.{fmt}")

    table = read_csv(response) if fmt == "csv" else read_xlsx(response)
    head = rows_by(table, "户号")["XF-998"]["户主"]
    assert "\ufffd" in head
    assert head.replace("\ufffd", "") in ("张三", "三张")
    transfers = get(as_admin, f"/villages/{books.village.id}/exports/transfers.{fmt}")
    assert transfers.status_code == 200


def test_a_large_transfers_csv_streams_every_row(as_admin, books, make):
    for n in range(1200):
        make.award(books.zhao, 1 + n % 3)
    db.session.commit()

    response = get(as_admin, f"/villages/{books.village.id}/exports/transfers.csv")

    assert "Content-Length" not in response.headers  # streamed, not built in memory first
    table = read_csv(response)
    count = db.session.execute(
        sa.select(sa.func.count()).where(Transfer.village_id == books.village.id)
    ).scalar_one()
    assert len(table) - 1 == count
    assert [int(r[0]) for r in table[1:]] == list(range(1, count + 1))


def test_a_bad_period_is_refused_with_a_page(as_admin, books):
    response = get(
        as_admin, f"/villages/{books.village.id}/exports/transfers.csv?period=2026-13", 422
    )
    assert "YYYY-MM" in response.get_data(as_text=True)  # the month's form, in Chinese too


def test_headers_follow_the_chosen_language(as_admin, books):
    response = get(as_admin, f"/villages/{books.village.id}/exports/households.csv?lang=en")

    assert read_csv(response)[0][:3] == ["Household No.", "Head", "Grid"]
