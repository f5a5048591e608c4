"""A voided sale's receipt: what the sale left the household with, and what the void did."""

import re

from pointsmart.counter import voids
from tests.counter.test_counter_pages import scan, sell
from tests.counter.web import get, sign_in


def test_a_voided_receipt_gives_the_balance_after_the_void_too(client, api, counter):
    """Regression: it gave only the balance right after the sale (10, after 290 of 300), so
    whoever read it after the void thought the household still held 10."""
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.url)
    done = sell(client, counter, picked, [(counter.soap, 1)])
    receipt_path = done.headers["Location"]
    sale_id = int(receipt_path.split("/")[2])
    voids.void_redemption(counter.admin.principal, sale_id, reason="拿错了")

    receipt = get(client, receipt_path).get_data(as_text=True)

    assert re.search(r'data-testid="balance-after">280<', receipt)
    assert re.search(r'data-testid="balance-after-void">300<', receipt)
    assert api.get(f"/redemptions/{sale_id}", as_=counter.admin)["void_balance_after"] == 300
