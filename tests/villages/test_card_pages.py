"""The card page a phone opens from the QR code, the admins' card pages, and `flask cards print`."""

import io
import re

import pytest
from pypdf import PdfReader

from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.villages.cards import current_card, issue_card
from tests.conftest import app_on_fresh_database
from tests.counter.web import get, hidden_fields, post, sign_in
from tests.factories import Factories


def test_the_card_page_shows_the_balance_and_the_latest_entries_in_chinese(client, make):
    village = make.village(name="幸福村")
    household = make.household(village, number="XF-007", head_name="李秀英")
    make.award(household, 120, category="volunteer", memo="志愿服务：清扫村道 2小时")
    deduction = ledger.deduct(village.id, household.id, 10, category="black", memo="乱倒垃圾")
    ledger.reverse(deduction.id, reason="经核实撤销")
    card = issue_card(household.id)

    response = get(client, f"/c/{card.token}")
    html = response.get_data(as_text=True)

    assert "XF-007" in html
    assert "李秀英" in html
    assert "幸福村" in html
    assert re.search(r'data-testid="balance">\s*120\s*<', html)
    assert "志愿服务：清扫村道 2小时" in html
    assert "乱倒垃圾" in html
    assert "积分余额" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "<form" not in html.split("<main", 1)[1]  # read-only: nothing to submit
    assert get(client, f"/c/{card.code}").status_code == 200  # the short code works too


def test_a_replaced_card_gets_a_clear_410_page(client, make):
    household = make.household(make.village())
    old = issue_card(household.id)
    issue_card(household.id)

    response = get(client, f"/c/{old.token}", expect=410)

    html = response.get_data(as_text=True)
    assert "这张卡已停用" in html
    assert "新卡" in html


def test_an_unknown_card_gets_a_404_page(client):
    html = get(client, "/c/not.ours", expect=404).get_data(as_text=True)
    assert "无法识别" in html


def test_an_admin_issues_missing_cards_reissues_one_and_prints_the_sheet(client, make):
    village = make.village(name="幸福村")
    grid = make.grid(village, name="一组")
    first = make.household(village, grid=grid, number="XF-001")
    second = make.household(village, number="XF-002")
    issue_card(first.id)
    admin = make.staff("admin", village)
    sign_in(client, admin)

    page = get(client, f"/villages/{village.id}/cards").get_data(as_text=True)
    assert "1 户" in page or "1" in page
    fields = hidden_fields(page, f"/villages/{village.id}/cards/issue")
    post(client, f"/villages/{village.id}/cards/issue", fields)
    post(client, f"/villages/{village.id}/cards/issue", fields)  # a double tap issues once
    assert current_card(second.id).version == 1

    before = current_card(first.id)
    fields = hidden_fields(page, f"/villages/{village.id}/cards/reissue")
    done = post(client, f"/villages/{village.id}/cards/reissue", {**fields, "number": "XF-001"})
    assert done.headers["Location"] == f"/households/{first.id}/card"
    assert current_card(first.id).version == before.version + 1
    shown = get(client, f"/households/{first.id}/card").get_data(as_text=True)
    assert "XF-001" in shown
    assert f"/households/{first.id}/card.svg" in shown
    assert get(client, f"/households/{first.id}/card.png").mimetype == "image/png"

    pdf = get(client, f"/villages/{village.id}/cards.pdf").data
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    grid_pdf = get(client, f"/villages/{village.id}/cards.pdf?grid_id={grid.id}").data
    assert "XF-002" not in PdfReader(io.BytesIO(grid_pdf)).pages[0].extract_text()


def test_reissuing_an_unknown_number_says_so(client, make):
    village = make.village()
    admin = make.staff("admin", village)
    sign_in(client, admin)
    page = get(client, f"/villages/{village.id}/cards").get_data(as_text=True)
    fields = hidden_fields(page, f"/villages/{village.id}/cards/reissue")

    post(client, f"/villages/{village.id}/cards/reissue", {**fields, "number": "NOPE"})

    follow = get(client, f"/villages/{village.id}/cards").get_data(as_text=True)
    assert "NOPE" in follow


def test_card_admin_pages_are_for_the_villages_admins(client, make):
    village = make.village()
    household = make.household(village)
    issue_card(household.id)
    assert get(client, f"/villages/{village.id}/cards", expect=302)  # to the sign-in page
    sign_in(client, make.staff("leader", village))
    for path in (
        f"/villages/{village.id}/cards",
        f"/villages/{village.id}/cards.pdf",
        f"/households/{household.id}/card",
        f"/households/{household.id}/card.svg",
    ):
        assert get(client, path, expect=403)


def test_flask_cards_print_writes_the_sheet(tmp_path):
    with app_on_fresh_database(tmp_path) as app:
        with app.app_context():
            make = Factories()
            village = make.village(name="幸福村")
            grid = make.grid(village)
            for n in range(1, 13):
                make.household(village, grid=grid if n <= 3 else None, number=f"XF-{n:03d}")
            village_id, grid_id = village.id, grid.id
            db.session.commit()
        runner = app.test_cli_runner()

        result = runner.invoke(
            args=["cards", "print", "--village", village_id, "-o", str(tmp_path / "all.pdf")]
        )
        grid_result = runner.invoke(
            args=[
                "cards",
                "print",
                "--village",
                village_id,
                "--grid",
                grid_id,
                "-o",
                str(tmp_path / "g.pdf"),
            ]
        )
        missing = runner.invoke(
            args=["cards", "print", "--village", 999, "-o", str(tmp_path / "x.pdf")]
        )

    assert result.exit_code == 0, result.output
    assert "12 cards on 2 pages (12 newly issued" in result.output
    assert len(PdfReader(tmp_path / "all.pdf").pages) == 2
    assert "3 cards on 1 pages (0 newly issued" in grid_result.output
    assert missing.exit_code == 2
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.app_config(CARD_PAGE_RATE_LIMIT="3/minute")
def test_the_card_page_is_rate_limited(fresh_app):
    client = fresh_app.test_client()
    statuses = [client.get("/c/ABCD-EFGH-J").status_code for _ in range(4)]
    assert statuses[-1] == 429


def test_the_card_page_carries_the_time_of_its_figures_for_when_the_network_is_gone(client, make):
    household = make.household(make.village())
    card = issue_card(household.id)

    html = get(client, f"/c/{card.token}").get_data(as_text=True)

    note = re.search(r"<p [^>]*data-offline-note hidden>([^<]+)</p>", html)
    assert re.fullmatch(r"没有网络：这是 \d{4}-\d\d-\d\d \d\d:\d\d 时的积分。", note[1])
    assert 'data-page-source="network"' in html
