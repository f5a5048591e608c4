"""Statement slips (对账单): one printed slip per household of a grid, read with a fixed
number of queries, and what a person reads on the printed page.

The village is the reports' known month (``tests/reports/conftest.py``): 王建国 (XF-001) and
李秀英 (XF-002) in 一组, 张三明 (XF-003) and 赵四 (XF-004) in no grid.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from pointsmart.clock import historical
from pointsmart.counter import goods, voids
from pointsmart.counter.models import Redemption
from pointsmart.counter.offline.sync import redeem_offline
from pointsmart.errors import Forbidden, ValidationFailed
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.periods import current_period, next_period, previous_period
from pointsmart.villagers.service import history_in_words
from pointsmart.villagers.slips import statement_slips
from pointsmart.villagers.slips_pdf import render_slips
from pointsmart.villages.models import Grid
from tests.counter.web import sign_in
from tests.factories import ROOT
from tests.reports.conftest import books  # noqa: F401  (the fixture)
from tests.reports.pdf import page_images, pdf_text


@pytest.fixture
def grid_one(books):  # noqa: F811
    return db.session.execute(
        sa.select(Grid).where(Grid.village_id == books.village.id, Grid.name == "一组")
    ).scalar_one()


def test_every_active_household_gets_a_slip_with_its_month_year_and_ranks(books):  # noqa: F811
    books.village.phone = "0311-8765 4321"
    batch = statement_slips(books.leader.principal, books.village.id, books.period)
    slips = {slip.number: slip for slip in batch.slips}
    assert list(slips) == ["XF-001", "XF-002", "XF-003", "XF-004"]
    assert batch.village_phone == "0311-8765 4321"

    wang, li, zhang, zhao = (slips[n] for n in ("XF-001", "XF-002", "XF-003", "XF-004"))
    assert (wang.balance, wang.earned, wang.deducted, wang.redeemed) == (20, 50, 0, 30)
    assert (li.balance, li.earned, li.deducted) == (60, 70, 10)
    assert (zhang.balance, zhang.earned) == (60, 60)
    # Ranked as the leaderboard ranks (earned - deducted; ties share a rank).
    assert [(s.village_rank, s.grid_rank) for s in (li, zhang, wang, zhao)] == [
        (1, 1),
        (1, None),
        (3, 2),
        (4, None),
    ]
    assert wang.year_earned == 50
    # A household with nothing this month still gets its slip and balance.
    assert (zhao.entries, zhao.balance) == ([], 0)
    # The month's entries in plain words, signed from the household's side, with who.
    assert [(e.points, e.words, e.who) for e in wang.entries] == [
        (30, "志愿服务", books.leader.username),
        (20, "志愿服务", books.leader.username),
        (-30, "兑换：香皂 x2", books.keeper.username),
    ]
    assert [(e.points, e.words) for e in zhang.entries] == [
        (40, "志愿服务"),
        (5, "志愿服务"),
        (-5, "更正：撤销志愿服务"),  # what it undid, not the reason (录错了)
        (20, "好人好事"),
    ]
    assert (-10, "乱倒垃圾") in [(e.points, e.words) for e in li.entries]
    # Goods in stock the balance reaches now (the inactive product is not offered).
    assert wang.affordable == [("香皂", 15)]
    assert li.affordable == [("香皂", 15)]
    assert zhao.affordable == []


def test_a_grid_prints_only_its_households_ranked_in_the_village(books, grid_one):  # noqa: F811
    batch = statement_slips(books.admin.principal, books.village.id, grid_id=grid_one.id)
    assert batch.grid_name == "一组"
    assert [(s.number, s.village_rank, s.grid_rank) for s in batch.slips] == [
        ("XF-001", 3, 2),
        ("XF-002", 1, 1),
    ]


def test_a_void_reads_as_goods_returned(books):  # noqa: F811
    sale = db.session.execute(sa.select(Redemption)).scalars().first()
    voids.void_redemption(ROOT, sale.id, reason="拿错了")
    batch = statement_slips(books.leader.principal, books.village.id, books.period)
    wang = next(s for s in batch.slips if s.number == "XF-001")
    assert [(e.points, e.words) for e in wang.entries][-2:] == [
        (-30, "兑换：香皂 x2"),
        (30, "退货退回"),
    ]
    assert wang.balance == 50


def test_a_reversal_names_what_it_undid_not_the_reason_given(ctx, make):
    """The reversal's memo is the reason for it: the slip said "更正：撤销录错了" (undone: "I
    wrote it wrong") where the household's page says what was undone."""
    village = make.village(name="撤销村")
    household = make.household(village, number="R-1")
    award = make.award(household, 10, category="red", memo="扶老人过马路")
    ledger.reverse(award.id, reason="录错了")
    deduction = ledger.deduct(village.id, household.id, 3, category="black", memo="乱倒垃圾")
    ledger.reverse(deduction.id, reason="弄错人了")
    unnamed = make.award(household, 4, category="volunteer")
    ledger.reverse(unnamed.id, reason="重复录入")

    (slip,) = statement_slips(ROOT, village.id).slips
    assert [(e.points, e.words) for e in slip.entries] == [
        (10, "扶老人过马路"),
        (-10, "更正：撤销扶老人过马路"),
        (-3, "乱倒垃圾"),
        (3, "更正：撤销乱倒垃圾"),
        (4, "志愿服务"),
        (-4, "更正：撤销志愿服务"),
    ]


def test_an_offline_sale_shows_the_day_it_was_made_as_the_households_page_does(ctx, make):
    """Sold without network at 21:00 on October 31 and synced on November 1: it counts in
    October, and October's slip listed it as sold on 11/1, a day of another month, where
    the household's page says October 31."""
    with historical(dt.datetime(2025, 10, 20, 2, tzinfo=dt.UTC)) as clock:
        village = make.village(name="离线村")
        shop = make.shop(village, name="积分超市")
        keeper = make.staff("shopkeeper", village, shop)
        soap = goods.create_product(ROOT, shop.id, name="香皂", points_price=15, stock=10)
        household = make.household(village, number="O-1")
        make.award(household, 20)
        clock.move_to(dt.datetime(2025, 11, 1, 1, tzinfo=dt.UTC))  # 09:00, November 1
        redeem_offline(
            keeper.principal,
            shop_id=shop.id,
            items=[{"product_id": soap.id, "quantity": 1}],
            made_at=dt.datetime(2025, 10, 31, 13, tzinfo=dt.UTC),  # 21:00, October 31
            client_key="offline-1",
            household_id=household.id,
        )
        ledger.write_pending_transfers()

        (slip,) = statement_slips(ROOT, village.id, "2025-10").slips
        (entry,) = history_in_words(household.id, village.timezone)[:1]
    assert [(e.day, e.points) for e in slip.entries][-1] == (dt.date(2025, 10, 31), -15)
    assert entry["made_time"].date() == dt.date(2025, 10, 31)
    assert statement_slips(ROOT, village.id, "2025-11").slips[0].entries == []


def test_the_slips_are_read_with_the_same_few_queries_however_many_households(
    books,  # noqa: F811
):
    def count() -> int:
        seen = []

        def record(conn, cursor, statement, *args):
            seen.append(statement)

        connection = db.session.connection()
        sa.event.listen(connection, "before_cursor_execute", record)
        try:
            statement_slips(books.leader.principal, books.village.id, books.period)
        finally:
            sa.event.remove(connection, "before_cursor_execute", record)
        return len(seen)

    few = count()
    for index in range(40):
        household = books.make.household(books.village, number=f"XF-1{index:02d}")
        books.make.award(household, 5 + index, posted_by_id=books.leader.user_id)
    db.session.flush()
    assert count() == few
    assert few <= 6


def test_only_the_village_leaders_and_admins_print_slips(books):  # noqa: F811
    with pytest.raises(Forbidden):
        statement_slips(books.keeper.principal, books.village.id)
    with pytest.raises(Forbidden):
        statement_slips(books.outsider.principal, books.village.id)
    with pytest.raises(ValidationFailed):
        statement_slips(books.leader.principal, books.village.id, "2026-13")


def test_no_slips_are_printed_for_a_month_to_come(books):  # noqa: F811
    """Regression: a month to come gave a sheet of empty slips, as if nothing happened."""
    next_month = next_period(current_period(books.village.timezone))

    with pytest.raises(ValidationFailed) as refused:
        statement_slips(books.leader.principal, books.village.id, next_month)

    assert list(refused.value.errors) == ["month"]


def test_a_month_whose_reversals_outweigh_its_awards_prints_a_real_minus(ctx, make):
    """Regression: the month's points earned, below zero after an earlier month's award was
    reversed in it, printed with a hyphen (a short dash in the Chinese font)."""
    village = make.village()
    household = make.household(village)
    earlier = make.award(household, 30, period=previous_period(current_period(village.timezone)))
    ledger.reverse(earlier.id, reason="记错了")
    admin = make.staff("admin", village)

    text = pdf_text(render_slips(statement_slips(admin.principal, village.id)))

    assert "本月得−30分" in text


def test_the_printed_slips_say_it_in_chinese_six_to_a_page(books, tmp_path):  # noqa: F811
    books.village.phone = "0311-8765 4321"
    for index in range(5):  # 4 + 5 households: two pages
        books.make.household(books.village, number=f"XF-2{index:02d}", head_name=f"孙{index}")
    batch = statement_slips(books.leader.principal, books.village.id, books.period)
    pdf = render_slips(batch)
    assert len(page_images(pdf, tmp_path)) == 2
    text = re.sub(r" +", " ", pdf_text(pdf))  # one space, however the layout set them
    year, month = books.period.split("-")
    assert text.count(f"积分对账单 {year}年{int(month)}月") == 9
    for number, head in (("XF-001", "王建国"), ("XF-004", "赵四"), ("XF-204", "孙4")):
        assert f"户号 {number} {head}" in text
    assert "现有积分 20" in text
    assert "现有积分 60" in text
    assert "本月得50分，扣0分，兑换30分" in text
    assert "本月村里排第3名，组里排第2名" in text
    assert "今年共得50分" in text
    assert "+30 志愿服务 " + books.leader.username in text
    assert "\u221230 兑换：香皂 x2 " + books.keeper.username in text
    assert "\u221210 乱倒垃圾" in text  # a real minus sign, as the pages write it
    assert "本月没有记录。" in text  # 赵四
    assert text.count("有疑问请打电话：0311-8765 4321") == 9
    assert "现在能换：香皂15分" in text
    assert "积分还不够换商品。" in text


def test_a_name_with_a_rare_character_prints_a_gap_not_another_character(ctx, make):
    """The font's encoding is UCS-2: 𠮷 (U+20BB7) went in as its two surrogate halves and
    printed as 䋟 and a blank, a wrong character in the head's name."""
    village = make.village(name="生僻字村")
    household = make.household(village, number="G-1", head_name="王𠮷")
    make.award(household, 5, category="red", memo="𠮷祥好事")

    text = pdf_text(render_slips(statement_slips(ROOT, village.id)))
    assert "䋟" not in text
    assert "王□" in text
    assert "□祥好事" in text


def test_the_command_line_writes_the_slips(fresh_app, tmp_path):
    from tests.factories import Factories

    with fresh_app.app_context():
        make = Factories()
        village = make.village(name="对账村")
        village.phone = "0311-1234567"
        grid = make.grid(village, name="二组")
        make.award(make.household(village, grid=grid, number="D-1", head_name="周大爷"), 12)
        make.household(village, number="D-2", head_name="吴大妈")
        db.session.commit()
        village_id, grid_id = village.id, grid.id
    runner = fresh_app.test_cli_runner()
    output = tmp_path / "slips.pdf"
    month = "2026-12"
    result = runner.invoke(
        args=[
            "statements",
            "print",
            "--village",
            str(village_id),
            "--grid",
            str(grid_id),
            "--month",
            month,
            "-o",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "1 slips on 1 pages" in result.output
    text = re.sub(r" +", " ", pdf_text(output.read_bytes()))
    assert "户号 D-1 周大爷 二组" in text
    assert "吴大妈" not in text
    refused = runner.invoke(
        args=[
            "statements",
            "print",
            "--village",
            str(village_id),
            "--month",
            "12-2026",
            "-o",
            str(output),
        ]
    )
    assert refused.exit_code == 2
    assert "month" in refused.output


def test_the_leader_page_links_to_the_slips_and_serves_the_pdf(client, books, grid_one):  # noqa: F811
    sign_in(client, books.leader)
    home = client.get(f"/leader/{books.village.id}")
    assert f"/villages/{books.village.id}/statements" in home.get_data(as_text=True)
    page = client.get(f"/villages/{books.village.id}/statements")
    assert page.status_code == 200
    assert "打印对账单（PDF）" in page.get_data(as_text=True)
    answer = client.get(
        f"/villages/{books.village.id}/statements.pdf?month={books.period}&grid_id={grid_one.id}"
    )
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Cache-Control"] == "no-store"
    text = pdf_text(answer.data)
    assert "王建国" in text
    assert "张三明" not in text
    bad = client.get(f"/villages/{books.village.id}/statements.pdf?month=soon")
    assert bad.status_code == 422
