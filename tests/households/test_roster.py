"""Roster import from xlsx and CSV: every row checked, then all rows or none."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from pointsmart.extensions import db
from pointsmart.households import roster, roster_files
from pointsmart.households.models import Household, Member
from pointsmart.ledger.models import Account
from tests.factories import Factories
from tests.households.racing import another_clerk_adds

HEADER = ["户号", "户主", "网格/村民小组", "电话", "家庭成员"]


def write_xlsx(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path, rows, encoding="utf-8-sig"):
    lines = [",".join(HEADER)] + [",".join(str(cell) for cell in row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.fixture
def village(fresh_app):
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        make.grid(village, name="一组")
        make.grid(village, name="二组")
        make.household(village, number="0100")
        db.session.commit()
        return village.id


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def households(app, village_id):
    with app.app_context():
        rows = db.session.execute(
            sa.select(Household.number, Household.head_name, Household.phone)
            .where(Household.village_id == village_id)
            .order_by(Household.number)
        ).all()
        db.session.rollback()
        return [tuple(row) for row in rows]


def test_a_valid_xlsx_imports_every_household_with_members_and_accounts(
    fresh_app, village, tmp_path
):
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        [
            ["0101", "李建国", "一组", 13800138000, "王秀英(配偶)、李明（儿子）"],
            ["0102", "张桂兰", "二组", "", ""],
            [None, None, None, None, None],  # a blank row is skipped
            ["0103", "赵大山", "", "13912345678", "赵小花"],
        ],
    )

    result = run(fresh_app, "households", "import", str(path), "--village", str(village))

    assert result.exit_code == 0, result.output + result.stderr
    assert "导入 3 户" in result.output
    assert households(fresh_app, village) == [
        ("0100", "王大爷", None),
        ("0101", "李建国", "13800138000"),
        ("0102", "张桂兰", None),
        ("0103", "赵大山", "13912345678"),
    ]
    with fresh_app.app_context():
        members = db.session.execute(
            sa.select(Member.name, Member.relation)
            .join(Household, Household.id == Member.household_id)
            .where(Household.number == "0101")
            .order_by(Member.id)
        ).all()
        accounts = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Account)
            .join(Household, Household.id == Account.household_id)
            .where(Household.village_id == village)
        ).scalar_one()
    assert [tuple(m) for m in members] == [("王秀英", "配偶"), ("李明", "儿子")]
    assert accounts == 4


def test_a_gbk_csv_imports(fresh_app, village, tmp_path):
    path = write_csv(tmp_path / "roster.csv", [["0201", "钱多多", "一组", "", ""]], "gbk")

    result = run(fresh_app, "households", "import", str(path), "--village", str(village))

    assert result.exit_code == 0, result.stderr
    assert ("0201", "钱多多", None) in households(fresh_app, village)


def test_a_file_with_three_bad_rows_writes_nothing_and_names_the_three_rows(
    fresh_app, village, tmp_path
):
    before = households(fresh_app, village)
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        [
            ["0301", "孙一", "一组", "", ""],
            ["", "孙二", "一组", "", ""],  # row 3: no number
            ["0303", "孙三", "五组", "", ""],  # row 4: unknown grid
            ["0304", "孙四", "二组", "12345", ""],  # row 5: bad phone
            ["0305", "孙五", "二组", "13700000000", ""],
        ],
    )

    result = run(fresh_app, "households", "import", str(path), "--village", str(village))

    assert result.exit_code == 1
    assert "没有导入：3 行有问题。" in result.stderr
    assert "第 3 行：缺少户号。" in result.stderr
    assert "第 4 行：本村没有名为“五组”的网格/村民小组。" in result.stderr
    assert "第 5 行：电话 12345 不是以 1 开头的 11 位手机号。" in result.stderr
    assert "第 2 行" not in result.stderr
    assert "第 6 行" not in result.stderr
    assert households(fresh_app, village) == before


def test_duplicate_numbers_in_the_file_and_in_the_village_are_named(ctx, make, tmp_path):
    village = make.village()
    make.household(village, number="0100")
    rows = roster_files.read_roster(
        write_csv(
            tmp_path / "roster.csv",
            [
                ["0401", "周一", "", "", ""],
                ["0401", "周二", "", "", ""],
                ["0100", "周三", "", "", ""],
            ],
        )
    )

    problems = roster.check_roster(village.id, rows)

    assert [str(p) for p in problems] == [
        "第 3 行：户号 0401 与第 2 行重复。",
        "第 4 行：户号 0100 在本村已存在。",
    ]


def test_a_number_added_meanwhile_by_someone_else_is_a_clear_message_not_a_traceback(
    fresh_app, village, tmp_path
):
    path = write_csv(tmp_path / "roster.csv", [["0501", "吴一", "", "", ""]])
    before = households(fresh_app, village)

    with fresh_app.app_context():
        engine = db.engine
    # Between the command's check and its insert, another clerk's 0501 lands first.
    with another_clerk_adds(engine, village, "0501"):
        result = run(fresh_app, "households", "import", str(path), "--village", str(village))

    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    assert "没有导入：文件中的某个户号刚刚被别人添加了" in result.stderr
    assert households(fresh_app, village) == before  # the whole import rolled back


def test_hidden_characters_and_an_unclosed_bracket_are_row_problems(ctx, make, tmp_path):
    village = make.village()
    make.household(village, number="XF-001")
    rows = roster_files.read_roster(
        write_csv(  # CSV: an xlsx file cannot even hold a control character
            tmp_path / "roster.csv",
            [
                ["0501", "张\x07三", "", "", ""],  # row 2: a control character
                ["0502\u200b", "李四", "", "", ""],  # row 3: a zero-width space
                ["0503", "\u202e五王", "", "", ""],  # row 4: a right-to-left override
                ["0504", "周一", "", "", "周五(儿子、周六(女儿)"],  # row 5: unclosed bracket
                ["XF-00１", "赵七", "", "", ""],  # row 6: XF-001 with a full-width 1
                ["0506", "钱八", "", "１３８００１３８０００", "孙九（配偶）"],  # clean
            ],
        )
    )

    problems = {p.line: p.messages for p in roster.check_roster(village.id, rows)}

    assert problems == {
        2: ["户主 里有控制字符（U+0007）。"],
        3: ["户号 里有看不见的字符或改变文字方向的字符（U+200B）：请删掉后重新保存文件。"],
        4: ["户主 里有看不见的字符或改变文字方向的字符（U+202E）：请删掉后重新保存文件。"],
        5: ["家庭成员“周五(儿子”的括号没有配对，请写成 王秀英(配偶) 这样。"],
        6: ["户号 XF-001 在本村已存在。"],
    }
    clean = rows[-1]
    assert (clean.phone, clean.members) == ("13800138000", [{"name": "孙九", "relation": "配偶"}])
    assert rows[3].members == [{"name": "周六", "relation": "女儿"}]
