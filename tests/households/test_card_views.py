"""The admins' card pages and `flask cards print` (the card page a phone opens is
tests/villagers/test_card_views.py)."""

import io

from pypdf import PdfReader

from pointsmart.admin.households import mark_moved_away
from pointsmart.extensions import db
from pointsmart.households.cards import current_card, issue_card
from tests.conftest import app_on_fresh_database
from tests.counter.web import get, hidden_fields, post, sign_in
from tests.factories import ROOT, Factories


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
    typed = {**fields, "number": "XF－00１"}  # typed with full-width characters
    done = post(client, f"/villages/{village.id}/cards/reissue", typed)
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


def test_the_card_of_a_household_that_moved_away_is_not_printed(client, api, make):
    """The card sheet leaves such a household out and its card is refused at the counter,
    but its card page and QR images (page and API) were answered 200, a card to print that
    works nowhere. They answer 422 on household_id now, as issuing a card does."""
    village = make.village()
    admin = make.staff("admin", village)
    household = make.household(village)
    issue_card(household.id)
    mark_moved_away(ROOT, household.id)
    sign_in(client, admin)

    for path in (
        f"/households/{household.id}/card",
        f"/households/{household.id}/card.svg",
        f"/households/{household.id}/card.png",
    ):
        assert "该户已迁出。" in get(client, path, expect=422).get_data(as_text=True)
    for kind in ("png", "svg"):
        refused = api.get(f"/households/{household.id}/card.{kind}", as_=admin, expect=422)
        assert refused["errors"] == {"household_id": ["该户已迁出。"]}


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


def test_issuing_the_missing_cards_twice_at_once_issues_each_card_once(fresh_app):
    """Two clerks (or the page and ``flask cards print``) issuing a village's missing cards
    at the same moment: on PostgreSQL both found the households without a card, and the
    second issued each a card again, so every card the first had just printed was replaced
    before it was handed out."""
    import contextlib
    import threading

    import sqlalchemy as sa

    from pointsmart.households import card_sheet
    from tests.ledger.test_concurrency import run_at_once

    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        households = [make.household(village) for _ in range(3)]
        db.session.commit()
        vid, ids = village.id, [h.id for h in households]

    together = threading.Barrier(2)

    def both_have_read_the_households(conn, cursor, statement, *args):
        # Each has listed the households without a card before either takes a row's lock.
        if "FOR UPDATE" in statement and not conn.info.get("met"):
            conn.info["met"] = True
            with contextlib.suppress(threading.BrokenBarrierError):
                together.wait(timeout=1)

    def issue_missing(index):
        with fresh_app.app_context():
            sheet = card_sheet.collect_cards(ROOT, vid, issue_missing=True)
            db.session.commit()
            return sheet.issued

    with fresh_app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", both_have_read_the_households)
    try:
        issued = run_at_once(2, issue_missing)
    finally:
        sa.event.remove(engine, "before_cursor_execute", both_have_read_the_households)

    assert sorted(issued) == [0, 3]
    with fresh_app.app_context():
        assert [current_card(household_id).version for household_id in ids] == [1, 1, 1]
