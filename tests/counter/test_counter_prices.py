"""The pick page and what the sale then does agree: the counter sells at the prices its page
showed (a price changed between the pick page and the confirmation is refused with the new
price, and nothing is written), and the page says beforehand when a large sale cannot have
the household's PIN."""

import datetime as dt
import re

import sqlalchemy as sa

from pointsmart.counter import goods
from pointsmart.counter.models import Redemption
from pointsmart.counter.pins import set_pin
from pointsmart.database import utcnow
from pointsmart.extensions import db
from tests.conftest import count_rows
from tests.counter import test_counter_pages as pages
from tests.counter.test_counter_pages import balance, scan, stock
from tests.counter.web import get, sign_in
from tests.factories import ROOT

PRICE = re.compile(r'<input type="hidden" name="(price-\d+)" value="(\d+)">')


def sell(client, counter, html, quantities, expect=303):
    """As a browser sends the pick page's form: with the prices it showed."""
    return pages.sell(client, counter, html, quantities, expect=expect, **dict(PRICE.findall(html)))


def test_a_price_raised_after_the_pick_page_showed_it_is_refused_with_the_new_price(
    client, counter
):
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.url)
    assert f'name="price-{counter.soap.id}" value="20"' in picked
    goods.update_product(ROOT, counter.soap.id, points_price=100)  # in the office, meanwhile
    db.session.commit()

    refused = sell(client, counter, picked, [(counter.soap, 2)], expect=409)

    page = refused.get_data(as_text=True)
    assert 'data-problem="price_changed"' in page
    assert re.search(r"<p>香皂[^<]*100[^<]*20[^<]*</p>", page)  # the new price and the one shown
    assert re.search(rf'name="qty-{counter.soap.id}" value="2"', page)  # the pick kept
    assert f'name="price-{counter.soap.id}" value="100"' in page  # now showing the new one
    assert balance(counter) == 300  # not charged 200 for what was shown as 40
    assert stock(counter.soap) == 10
    assert count_rows(Redemption) == 0

    done = sell(client, counter, page, [(counter.soap, 2)])  # confirmed at the new price
    receipt = get(client, done.headers["Location"]).get_data(as_text=True)
    assert re.search(r'data-testid="total">200<', receipt)
    assert balance(counter) == 100


def test_a_price_lowered_after_the_pick_page_is_refused_too_so_page_and_receipt_agree(
    client, counter
):
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.url)
    goods.update_product(ROOT, counter.soap.id, points_price=15)
    db.session.commit()

    sell(client, counter, picked, [(counter.soap, 1)], expect=409)

    assert balance(counter) == 300
    assert db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar() == 0


def test_a_form_without_prices_sells_at_todays_price(client, counter):
    """A page cached before the prices were sent with the form still sells, as before."""
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.url)
    goods.update_product(ROOT, counter.soap.id, points_price=25)
    db.session.commit()

    pages.sell(client, counter, picked, [(counter.soap, 1)])

    assert balance(counter) == 275


def test_the_pick_page_says_when_the_household_has_no_pin_or_a_locked_one(client, counter):
    """Above the village's amount a sale needs the PIN: the shopkeeper sees before confirming
    that the household has none (the office sets it) or that it is locked."""
    counter.village.pin_required_above = 100
    sign_in(client, counter.keeper)

    picked = scan(client, counter, counter.card.url)
    assert 'data-pin-state="not_set"' in picked

    refused = sell(client, counter, picked, [(counter.rice, 1)], expect=409)
    assert 'data-problem="pin_not_set"' in refused.get_data(as_text=True)

    set_pin(ROOT, counter.household.id, "246810")
    counter.household.pin_locked_until = utcnow() + dt.timedelta(minutes=10)
    db.session.commit()
    picked = scan(client, counter, counter.card.url)
    assert 'data-pin-state="locked"' in picked

    counter.household.pin_locked_until = None
    db.session.commit()
    assert "data-pin-state" not in scan(client, counter, counter.card.url)
