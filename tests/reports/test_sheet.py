"""The monthly 公示 sheet: its figures, the ledger at the month's close, the PDF, the command."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from pointsmart.admin.households import mark_moved_away
from pointsmart.board.summary import village_summary
from pointsmart.clock import historical
from pointsmart.extensions import db
from pointsmart.ledger import chain as ledger_chain
from pointsmart.ledger import posting as ledger_service
from pointsmart.ledger.models import GENESIS_HASH, ChainHead, Transfer
from pointsmart.reports.sheet import (
    balances_at_position,
    chain_position_at,
    month_bounds,
    monthly_sheet,
)
from pointsmart.reports.sheet_pdf import render_sheet
from tests.conftest import app_on_fresh_database, count_rows
from tests.factories import Factories
from tests.reports.pdf import page_images, pdf_text


def test_a_month_runs_from_midnight_to_midnight_in_the_village_time_zone():
    start, end = month_bounds("2026-03", "Asia/Shanghai")
    assert start == dt.datetime(2026, 2, 28, 16, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 3, 31, 16, tzinfo=dt.UTC)
    assert month_bounds("2026-12", "Asia/Shanghai")[1] == dt.datetime(
        2026, 12, 31, 16, tzinfo=dt.UTC
    )


def test_the_sheet_of_the_running_month(books):
    sheet = monthly_sheet(books.admin.principal, books.village.id, books.period)

    head = db.session.get(ChainHead, books.village.id)
    assert (sheet.ledger.transfer_count, sheet.ledger.head_hash) == (head.last_seq, head.last_hash)
    assert sheet.ledger.month_over is False
    assert [(r["rank"], r["number"], r["points"]) for r in sheet.leaderboard] == [
        (1, "XF-002", 60),
        (1, "XF-003", 60),
        (3, "XF-001", 50),
    ]  # 赵四 has no points: not on the leaderboard, but in the table below
    assert sheet.red == [{"number": "XF-003", "name": "张三明", "rule": "好人好事", "points": 20}]
    assert sheet.black == [
        {"number": "XF-002", "name": "李秀英", "rule": "乱倒垃圾", "points": -10}
    ]
    rows = {h["number"]: h for h in sheet.households}
    assert rows["XF-001"] == {
        "number": "XF-001",
        "name": "王建国",
        "earned": 50,
        "deducted": 0,
        "redeemed": 30,
        "net": 50,
        "balance": 20,
    }
    assert (rows["XF-002"]["net"], rows["XF-002"]["balance"]) == (60, 60)
    assert (rows["XF-004"]["earned"], rows["XF-004"]["balance"]) == (0, 0)
    assert sum(h["balance"] for h in sheet.households) == 140


def test_the_sheet_masks_names_when_the_village_says_so(books):
    books.village.mask_names = True
    db.session.flush()

    sheet = monthly_sheet(books.admin.principal, books.village.id, books.period)

    assert {h["name"] for h in sheet.households} == {"王*国", "李*英", "张*明", "赵*"}
    assert sheet.red[0]["name"] == "张*明"
    assert all("*" in r["name"] for r in sheet.leaderboard)


def test_a_closed_month_shows_the_ledger_and_balances_as_they_were_at_its_end(make, monkeypatch):
    village = make.village()
    early = make.household(village, number="A-1", head_name="早户")
    late = make.household(village, number="A-2", head_name="晚户")
    january = dt.datetime(2026, 1, 20, 4, tzinfo=dt.UTC)
    monkeypatch.setattr(ledger_service, "utcnow", lambda: january)
    monkeypatch.setattr(ledger_chain, "utcnow", lambda: january)
    make.award(early, 50)
    make.award(late, 20)
    closing = (
        db.session.execute(
            sa.select(Transfer)
            .where(Transfer.village_id == village.id)
            .order_by(Transfer.seq.desc())
        )
        .scalars()
        .first()
    )
    monkeypatch.undo()
    make.award(early, 7)  # now: after January ended
    admin = make.staff("admin", village)

    sheet = monthly_sheet(admin.principal, village.id, "2026-01")

    assert sheet.ledger.month_over is True
    assert (sheet.ledger.transfer_count, sheet.ledger.head_hash) == (2, closing.hash)
    assert {h["number"]: h["balance"] for h in sheet.households} == {"A-1": 50, "A-2": 20}
    before = monthly_sheet(admin.principal, village.id, "2025-12")
    assert (before.ledger.transfer_count, before.ledger.head_hash) == (0, GENESIS_HASH)
    assert before.households == []  # the households were registered later


def test_the_chain_position_and_balances_at_any_moment_match_a_scan_of_the_ledger(
    make, monkeypatch
):
    village, other = make.village(), make.village()
    households = [make.household(village, number=f"B-{n}") for n in range(3)]
    stranger = make.household(other)
    start = dt.datetime(2026, 1, 30, 15, tzinfo=dt.UTC)
    stamps = [start + dt.timedelta(hours=7 * n) for n in range(11)]  # across a month's end
    for n, stamp in enumerate(stamps):
        monkeypatch.setattr(ledger_service, "utcnow", lambda stamp=stamp: stamp)
        monkeypatch.setattr(ledger_chain, "utcnow", lambda stamp=stamp: stamp)
        make.award(households[n % 3], n + 1)
        if n % 4 == 0:
            ledger_service.deduct(village.id, households[n % 3].id, 1, category="black")
        make.award(stranger, 100)  # another village's chain in between
    transfers = (
        db.session.execute(
            sa.select(Transfer).where(Transfer.village_id == village.id).order_by(Transfer.seq)
        )
        .scalars()
        .all()
    )
    moments = [start - dt.timedelta(days=1), *stamps, stamps[5] + dt.timedelta(minutes=1)]
    moments.append(stamps[-1] + dt.timedelta(days=1))

    for moment in moments:
        before = [t for t in transfers if t.created_at < moment]
        position = chain_position_at(village.id, moment)
        assert position == (before[-1].seq if before else 0), moment
        expected = {}
        for t in before:  # the household's side of its last transfer up to then
            household_is_credit = (t.kind == "award") == (t.reverses_id is None)
            expected[t.household_id] = (
                t.credit_balance_after if household_is_credit else t.debit_balance_after
            )
        assert balances_at_position(village.id, position) == expected, moment


def test_the_pdf_has_pages_with_the_head_hash_and_the_transfer_count(books, tmp_path):
    sheet = monthly_sheet(books.admin.principal, books.village.id, books.period)

    pdf = render_sheet(sheet)

    assert len(page_images(pdf, tmp_path)) >= 1
    text = pdf_text(pdf)
    assert "账本中的记录笔数" in text
    assert sheet.ledger.head_hash in text
    assert (
        f"flask ledger verify --village {books.village.id} --head {sheet.ledger.head_hash}"
        f" --count {sheet.ledger.transfer_count}"
    ) in text
    assert "head:" not in text  # labels are in the page's language, not English
    assert "transfers:" not in text
    assert "XF-003" in text
    assert "张三明" in text
    assert "好人好事" in text


def test_the_pdf_writes_points_with_the_signs_the_pages_use(books):
    # The board writes a black entry −10 and a red one +20, and a household below zero −15,
    # with a real minus sign (pointsmart.text.signed_points); the printed notice wrote -10 with
    # a hyphen (a short dash in the Chinese font, easy to miss) and the red entry as 20.
    ledger_service.deduct(books.village.id, books.zhao.id, 15, category="other")
    sheet = monthly_sheet(books.admin.principal, books.village.id, books.period)

    text = pdf_text(render_sheet(sheet))

    assert re.search(r"XF-002\s+李秀英\s+乱倒垃圾\s+\u221210\n", text)  # the black list
    assert re.search(r"XF-003\s+张三明\s+好人好事\s+\+20\n", text)  # the red list
    assert re.search(r"XF-004\s+赵四\s+0\s+15\s+0\s+\u221215\s+\u221215", text)
    assert not re.search(r"(?<![\w-])-\d", text)  # no hyphen before a figure


def test_the_sheet_page_serves_the_pdf_to_admins(as_admin, books, tmp_path):
    response = as_admin.get(f"/villages/{books.village.id}/reports/sheet.pdf?period={books.period}")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    head = db.session.get(ChainHead, books.village.id)
    assert f"--head {head.last_hash}" in pdf_text(response.data)
    assert page_images(response.data, tmp_path)


def test_a_period_beyond_9999_11_is_refused_not_a_500(as_admin, books):
    transfers = count_rows(Transfer)

    # 9999-12 would end on 10000-01-01, which no date can hold: the sheet answered 500.
    response = as_admin.get(f"/villages/{books.village.id}/reports/sheet.pdf?period=9999-12")

    assert response.status_code == 422
    assert "月份的格式为 YYYY-MM" in response.get_data(as_text=True)  # on the error page
    assert count_rows(Transfer) == transfers


def test_flask_reports_sheet_writes_the_pdf(tmp_path):
    with app_on_fresh_database(tmp_path) as app:
        with app.app_context():
            make = Factories()
            village = make.village(name="公示村")
            for n in range(1, 61):  # more households than one page holds
                make.award(make.household(village, number=f"GS-{n:03d}"), n)
            village_id = village.id
            head_hash = db.session.get(ChainHead, village_id).last_hash
            db.session.commit()
        runner = app.test_cli_runner()
        from pointsmart.periods import current_period

        period = current_period("Asia/Shanghai")
        out = tmp_path / "sheet.pdf"
        result = runner.invoke(
            args=["reports", "sheet", "--village", village_id, "--month", period, "-o", str(out)]
        )
        bad = runner.invoke(
            args=[
                "reports",
                "sheet",
                "--village",
                village_id,
                "--month",
                "2026-1",
                "-o",
                str(tmp_path / "bad.pdf"),
            ]
        )
        missing = runner.invoke(
            args=[
                "reports",
                "sheet",
                "--village",
                999,
                "--month",
                period,
                "-o",
                str(tmp_path / "x.pdf"),
            ]
        )

    assert result.exit_code == 0, result.output
    assert f"60 households, 60 transfers, head {head_hash}" in result.output
    pdf = out.read_bytes()
    assert len(page_images(pdf, tmp_path)) >= 2
    text = pdf_text(pdf)
    assert f"--head {head_hash} --count 60" in text
    assert bad.exit_code == 2
    assert "period" in bad.output
    assert missing.exit_code == 2
    assert not (tmp_path / "bad.pdf").exists()
    assert not (tmp_path / "x.pdf").exists()


def test_a_month_before_the_first_transfer_prints_no_head_and_no_command(fresh_app, tmp_path):
    """The genesis hash is no transfer's hash: a command with it would fail on an intact
    ledger. The sheet says there was nothing yet instead."""
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        make.award(make.household(village), 10)  # this month: after December 2025 ended
        admin = make.staff("admin", village)
        db.session.commit()

        sheet = monthly_sheet(admin.principal, village.id, "2025-12")
        pdf = render_sheet(sheet)
        db.session.rollback()

    text = pdf_text(pdf)
    assert "到本月底，账本中还没有任何记录。" in text
    assert GENESIS_HASH not in text
    assert "flask ledger verify" not in text
    assert page_images(pdf, tmp_path)


def test_the_command_printed_on_a_closed_month_passes_on_the_intact_ledger(fresh_app, monkeypatch):
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        household = make.household(village)
        january = dt.datetime(2026, 1, 20, 4, tzinfo=dt.UTC)
        monkeypatch.setattr(ledger_service, "utcnow", lambda: january)
        monkeypatch.setattr(ledger_chain, "utcnow", lambda: january)
        make.award(household, 50)
        make.award(household, 20)
        monkeypatch.undo()
        make.award(household, 7)  # after January: not on January's sheet
        admin = make.staff("admin", village)
        db.session.commit()
        text = pdf_text(render_sheet(monthly_sheet(admin.principal, village.id, "2026-01")))
        db.session.rollback()

    command = re.search(r"flask ledger verify (.+)", text)[1].split()
    result = fresh_app.test_cli_runner().invoke(args=["ledger", "verify", *command])

    assert "--count" in command
    assert command[command.index("--count") + 1] == "2"
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_balances_at_a_position_follow_the_chain_where_a_sales_id_came_first(fresh_app):
    """A sale's transfer takes its id when the household is charged and its place in the chain
    at commit; an award another transaction commits in between has a larger id and a smaller
    seq. The balance at the award's position is the household's before the sale."""
    with fresh_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has one writer: no other transaction commits in between")
        make = Factories()
        village = make.village()
        buyer, other, shop = make.household(village), make.household(village), make.shop(village)
        make.award(buyer, 100)
        db.session.commit()
        sale = ledger_service.redeem(village.id, buyer.id, shop.id, 30, at_commit=True)
        with fresh_app.app_context():  # another request, on its own connection
            award = ledger_service.award(village.id, other.id, 5, category="other")
            award_id = award.id
            db.session.commit()
        db.session.commit()

        assert award_id > sale.id
        assert db.session.get(Transfer, award_id).seq == 2
        assert db.session.get(Transfer, sale.id).seq == 3
        assert balances_at_position(village.id, 2) == {buyer.id: 100, other.id: 5}
        assert balances_at_position(village.id, 3) == {buyer.id: 70, other.id: 5}


def test_a_household_that_moved_away_after_the_month_keeps_its_row_and_balance(make):
    """The sheet of a month lists every household of the village at its close: one that moved
    away later, with nothing recorded that month, still held its points then, and the
    balances add up to what the households held."""
    with historical(dt.datetime(2025, 9, 20, 2, tzinfo=dt.UTC)) as clock:
        village = make.village()
        admin = make.staff("admin", village)
        stays = make.household(village, number="C-1")
        leaves = make.household(village, number="C-2")
        make.award(leaves, 30)
        make.award(stays, 5)
        clock.move_to(dt.datetime(2025, 11, 3, 2, tzinfo=dt.UTC))
        ledger_service.deduct(village.id, leaves.id, 30, category="black")
        mark_moved_away(admin.principal, leaves.id)
        db.session.flush()

        october = monthly_sheet(admin.principal, village.id, "2025-10")
        assert {h["number"]: h["balance"] for h in october.households} == {"C-1": 5, "C-2": 30}
        assert village_summary(admin.principal, village.id, "2025-10")["outstanding"] == 35
        november = monthly_sheet(admin.principal, village.id, "2025-11")  # it left then
        assert {h["number"]: h["balance"] for h in november.households} == {"C-1": 5, "C-2": 0}
        clock.move_to(dt.datetime(2025, 12, 3, 2, tzinfo=dt.UTC))
        december = monthly_sheet(admin.principal, village.id, "2025-12")  # gone by then
        assert [h["number"] for h in december.households] == ["C-1"]
