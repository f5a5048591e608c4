"""A product's page: its stock moves are dated by the village's clock, as the receipts they
link to are."""

import re
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from pointsmart.counter.models import StockMove
from pointsmart.extensions import db
from tests.counter.test_counter_pages import scan, sell
from tests.counter.web import get, hidden_fields, sign_in


def test_stock_moves_are_dated_by_the_villages_clock_like_the_receipt(client, counter):
    sign_in(client, counter.keeper)
    done = sell(client, counter, scan(client, counter, counter.card.url), [(counter.soap, 1)])
    receipt = get(client, done.headers["Location"]).get_data(as_text=True)
    moved = db.session.execute(
        sa.select(StockMove.created_at).where(StockMove.kind == "sale")
    ).scalar_one()

    page = get(client, f"/products/{counter.soap.id}").get_data(as_text=True)

    local = moved.astimezone(ZoneInfo(counter.village.timezone)).strftime("%Y-%m-%d %H:%M")
    utc = moved.strftime("%Y-%m-%d %H:%M")
    assert local != utc  # Asia/Shanghai: 8 hours apart
    assert f"<td>{local}</td>" in page
    assert f"<td>{utc}</td>" not in page
    assert re.search(rf"<dd>{local[:13]}:\d\d</dd>", receipt)  # the receipt's hour too


def test_a_stock_form_without_its_direction_says_why_beside_the_quantity(client, counter):
    """Regression: a stock form whose direction was missing or tampered came back 422 with
    no message anywhere (the page shows no place for the direction)."""
    sign_in(client, counter.admin)
    page = get(client, f"/products/{counter.soap.id}").get_data(as_text=True)
    action = f"/products/{counter.soap.id}/stock"
    fields = hidden_fields(page, action)

    answer = client.post(action, data={**fields, "quantity": "3", "direction": "sideways"})

    assert answer.status_code == 422
    assert 'class="field-error"' in answer.get_data(as_text=True)
