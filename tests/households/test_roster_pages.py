"""The clerk's roster import pages: upload, preview row by row, confirm once, templates."""

from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from pointsmart.audit.models import AuditEntry
from pointsmart.extensions import db
from pointsmart.households.models import Household, Member
from pointsmart.ledger.models import Account
from tests.counter.web import get, hidden_fields, post, sign_in

HEADER = ["户号", "户主", "网格/村民小组", "电话", "家庭成员"]


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ROSTER_UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def setting(make):
    village = make.village(name="幸福村")
    make.grid(village, name="一组")
    make.grid(village, name="二组")
    make.household(village, number="0100")
    return village, make.staff("admin", village)


def upload(client, village_id, data: bytes, filename: str, expect=303):
    page = get(client, f"/admin/villages/{village_id}/import").get_data(as_text=True)
    fields = hidden_fields(page, f"/admin/villages/{village_id}/import")
    return post(
        client,
        f"/admin/villages/{village_id}/import",
        {**fields, "file": (io.BytesIO(data), filename)},
        expect=expect,
        content_type="multipart/form-data",
    )


def numbers(village_id) -> list[str]:
    return list(
        db.session.execute(
            sa.select(Household.number)
            .where(Household.village_id == village_id)
            .order_by(Household.number)
        ).scalars()
    )


def test_a_valid_file_is_previewed_then_imported_once_with_an_audit_entry(client, setting):
    village, admin = setting
    sign_in(client, admin)
    data = xlsx_bytes(
        [
            ["0101", "李建国", "一组", "13800138000", "王秀英(配偶)、李明(儿子)"],
            ["0102", "张桂兰", "二组", "", ""],
        ]
    )

    preview_url = upload(client, village.id, data, "名册.xlsx").headers["Location"]
    page = get(client, preview_url).get_data(as_text=True)

    assert "全部 2 行都正确" in page
    assert "李建国" in page
    assert "王秀英(配偶)" in page
    assert numbers(village.id) == ["0100"]  # nothing imported by the preview

    fields = hidden_fields(page, preview_url)
    done = post(client, preview_url, fields)
    again = post(client, preview_url, fields)  # a double tap imports once

    assert done.headers["Location"] == f"/admin/villages/{village.id}/import"
    assert again.headers["Location"] == done.headers["Location"]
    assert numbers(village.id) == ["0100", "0101", "0102"]
    members = db.session.execute(
        sa.select(Member.name, Member.relation)
        .join(Household, Household.id == Member.household_id)
        .where(Household.village_id == village.id, Household.number == "0101")
        .order_by(Member.id)
    ).all()
    assert [tuple(m) for m in members] == [("王秀英", "配偶"), ("李明", "儿子")]
    accounts = db.session.execute(
        sa.select(sa.func.count()).select_from(Account).where(Account.village_id == village.id)
    ).scalar_one()
    assert accounts == 4 + 3  # the system accounts and one per household
    entries = list(
        db.session.execute(
            sa.select(AuditEntry).where(
                AuditEntry.village_id == village.id, AuditEntry.action == "household.import"
            )
        ).scalars()
    )
    assert [json.loads(e.changes) for e in entries] == [{"count": 2}]
    assert entries[0].actor_id == admin.user_id

    listing = get(client, f"/admin/villages/{village.id}/import").get_data(as_text=True)
    assert "已导入 2 户" in listing
    assert "张桂兰" in listing
    assert "李建国" in listing
    # The upload is gone: its preview now sends the clerk back to upload again.
    gone = get(client, preview_url, expect=303)
    assert gone.headers["Location"] == f"/admin/villages/{village.id}/import"


def test_a_file_with_three_bad_rows_writes_nothing_and_names_the_three_rows(client, setting):
    village, admin = setting
    sign_in(client, admin)
    data = "\n".join(
        [
            ",".join(HEADER),
            "0301,孙一,一组,,",
            ",孙二,一组,,",  # row 3: no number
            "0303,孙三,五组,,",  # row 4: unknown grid
            "0304,孙四,二组,12345,",  # row 5: bad phone
            "0100,孙五,二组,13700000000,",  # row 6: number exists
            "0301,孙六,,,",  # row 7: repeats row 2
        ]
    ).encode("gbk")

    preview_url = upload(client, village.id, data, "roster.csv").headers["Location"]
    page = get(client, preview_url).get_data(as_text=True)

    problems = page.split('data-testid="problems"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r"<strong>第 ([0-9]+) 行</strong>", problems) == ["3", "4", "5", "6", "7"]
    assert "缺少户号" in problems
    assert "本村没有名为“五组”的网格/村民小组" in problems
    assert "电话 12345 不是以 1 开头的 11 位手机号" in problems
    assert "户号 0100 在本村已存在" in problems
    assert "户号 0301 与第 2 行重复" in problems
    assert "5 行有问题" in page
    assert f'action="{preview_url}"' not in page  # no confirm button
    # Even a forged confirmation imports nothing.
    fields = hidden_fields(page)
    post(client, preview_url, {**fields, "form_key": "forged-key-0001"})
    assert numbers(village.id) == ["0100"]


def test_exactly_three_bad_rows_are_named_and_nothing_is_written(client, setting):
    village, admin = setting
    sign_in(client, admin)
    data = xlsx_bytes(
        [
            ["0301", "孙一", "一组", "", ""],
            ["", "孙二", "一组", "", ""],
            ["0303", "孙三", "五组", "", ""],
            ["0304", "孙四", "二组", "12345", ""],
            ["0305", "孙五", "二组", "13700000000", ""],
        ]
    )

    preview_url = upload(client, village.id, data, "roster.xlsx").headers["Location"]
    page = get(client, preview_url).get_data(as_text=True)

    problems = page.split('data-testid="problems"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r"<strong>第 ([0-9]+) 行</strong>", problems) == ["3", "4", "5"]
    assert "3 行有问题" in page
    assert numbers(village.id) == ["0100"]


def test_a_file_that_is_not_a_roster_gets_a_chinese_error(client, setting):
    village, admin = setting
    sign_in(client, admin)

    refused = upload(client, village.id, b"hello", "notes.txt", expect=422)
    assert "请选择 .xlsx 或 .csv 文件" in refused.get_data(as_text=True)

    preview_url = upload(client, village.id, b"not a zip", "roster.xlsx").headers["Location"]
    page = get(client, preview_url).get_data(as_text=True)
    assert "无法作为 xlsx 文件读取" in page
    assert numbers(village.id) == ["0100"]


@pytest.mark.parametrize("role", ["leader", "shopkeeper", "other-admin"])
def test_only_an_admin_of_the_village_may_import(client, make, setting, role):
    village, admin = setting
    if role == "leader":
        user = make.staff("leader", village)
    elif role == "shopkeeper":
        user = make.staff("shopkeeper", village, shop=make.shop(village))
    else:
        user = make.staff("admin", make.village())
    sign_in(client, admin)
    preview_url = upload(client, village.id, xlsx_bytes([["0101", "李建国", "", "", ""]]), "r.xlsx")
    preview_url = preview_url.headers["Location"]
    page = get(client, preview_url).get_data(as_text=True)
    fields = hidden_fields(page, preview_url)

    sign_in(client, user)

    get(client, f"/admin/villages/{village.id}/import", expect=403)
    get(client, f"/admin/villages/{village.id}/import/template.xlsx", expect=403)
    get(client, preview_url, expect=403)
    post(client, preview_url, fields, expect=403)
    assert numbers(village.id) == ["0100"]


def test_another_admins_upload_cannot_be_previewed(client, make, setting):
    village, admin = setting
    colleague = make.staff("admin", village)
    sign_in(client, admin)
    preview_url = upload(client, village.id, xlsx_bytes([["0101", "李建国", "", "", ""]]), "r.xlsx")
    preview_url = preview_url.headers["Location"]

    sign_in(client, colleague)

    assert get(client, preview_url, expect=303).headers["Location"].endswith("/import")


def test_a_page_needs_a_signed_in_clerk(client, setting):
    village, _admin = setting
    response = get(client, f"/admin/villages/{village.id}/import", expect=302)
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_template_opens_with_the_header_and_one_example_row(client, setting, kind):
    village, admin = setting
    sign_in(client, admin)

    response = get(client, f"/admin/villages/{village.id}/import/template.{kind}")

    assert "attachment" in response.headers["Content-Disposition"]
    assert (
        response.headers["Content-Type"]
        == {
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "csv": "text/csv; charset=utf-8",  # once: it was "; charset=utf-8; charset=utf-8"
        }[kind]
    )
    if kind == "xlsx":
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    else:
        text = response.data.decode("utf-8-sig")
        rows = [line.split(",") for line in text.splitlines()]
    assert rows[0] == HEADER
    assert len(rows) == 2
    assert rows[1][0] == "0001"
    assert rows[1][3] == "13800138000"


def test_the_template_imports_cleanly(client, setting):
    village, admin = setting
    sign_in(client, admin)
    template = get(client, f"/admin/villages/{village.id}/import/template.xlsx").data

    preview_url = upload(client, village.id, template, "template.xlsx").headers["Location"]

    assert "全部 1 行都正确" in get(client, preview_url).get_data(as_text=True)


def test_the_pages_speak_english_when_asked(client, setting):
    village, admin = setting
    sign_in(client, admin)

    page = get(client, f"/admin/villages/{village.id}/import?lang=en").get_data(as_text=True)

    assert "Import the roster of 幸福村" in page
    assert "Download the template (Excel, .xlsx)" in page
