"""The pages of offline sales: the shop's "needs attention", the committee's reconciliation
with its two buttons, the receipt's two times, the villager's words, the settings."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from pointsmart.counter import pins
from pointsmart.counter.offline import reconcile, sync
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.periods import current_period, previous_periods
from tests.counter.offline.conftest import balance
from tests.counter.web import get, hidden_fields, post, sign_in
from tests.factories import ROOT
from tests.villagers.test_pages import sign_in as villager_sign_in


@pytest.fixture
def refused(api, counter, sell_offline):
    ledger.redeem(counter.village.id, counter.household.id, counter.shop.id, 290)
    return sell_offline((counter.soap, 2), expect=202)


def test_the_shop_sees_the_refused_sale_in_plain_words(client, counter, refused):
    sign_in(client, counter.keeper)

    html = get(client, f"/shops/{counter.shop.id}/needs-attention").get_data(as_text=True)

    assert "需要处理" in html
    assert "XF-001" in html
    assert "香皂 ×2" in html
    assert re.search(r'data-testid="offline-sale-reason">[^<]*积分不够', html)


def test_the_committee_charges_the_household_with_one_button(client, counter, refused):
    sign_in(client, counter.admin)
    path = f"/villages/{counter.village.id}/reconciliation"
    html = get(client, path).get_data(as_text=True)
    action = f"/offline-sales/{refused['id']}/resolve"
    fields = hidden_fields(html, action)

    post(client, action, {**fields, "resolution": "shortfall"})
    post(client, action, {**fields, "resolution": "shortfall"})  # a resent form: nothing more
    after = get(client, path).get_data(as_text=True)

    assert balance(counter) == 10 - 40
    shortfalls = db.session.execute(
        sa.select(sa.func.count()).select_from(Transfer).where(Transfer.kind == "shortfall")
    ).scalar_one()
    assert shortfalls == 1
    assert 'data-testid="reconciliation"' not in after
    assert "记在农户账上" in after


def test_the_receipt_of_an_offline_sale_shows_both_times(client, api, counter, sell_offline):
    made_at = utcnow() - dt.timedelta(hours=3)
    sale = sell_offline((counter.soap, 1), made_at=made_at)
    sign_in(client, counter.keeper)

    html = get(client, f"/redemptions/{sale['id']}/receipt").get_data(as_text=True)

    assert "离线售出" in html
    assert "入账" in html


def test_the_villager_reads_a_shortfall_and_the_debt_in_plain_words(client, api, counter, refused):
    api.post(
        f"/offline-sales/{refused['id']}/resolve",
        json={"resolution": "shortfall"},
        as_=counter.admin,
        key=True,
        expect=200,
    )
    counter.household.phone = "13800138000"
    pins.set_pin(ROOT, counter.household.id, "135790")
    counter.household.pin_chosen_hash = counter.household.pin_hash
    villager_sign_in(client)

    html = get(client, "/me").get_data(as_text=True)

    assert "离线兑换，积分不足" in html
    assert re.search(r'id="below-zero"[^>]*>\s*您家欠 30 分', html)


def test_printing_an_ended_months_sheet_closes_it_to_late_offline_sales(client, counter):
    last_month = previous_periods(current_period("Asia/Shanghai"), 2)[0]
    sign_in(client, counter.admin)

    get(client, f"/villages/{counter.village.id}/reports/sheet.pdf?period={last_month}")

    db.session.refresh(counter.village)
    assert counter.village.sheet_printed_through == last_month


def test_the_admin_sets_the_offline_limit_in_the_village_settings(client, counter):
    sign_in(client, counter.admin)
    path = f"/admin/villages/{counter.village.id}"
    html = get(client, path).get_data(as_text=True)
    assert 'name="offline_limit"' in html
    assert "离线额度" in html
    form = {
        "name": counter.village.name,
        "timezone": "Asia/Shanghai",
        "yuan_per_point": "0.10",
        "approval_threshold": "50",
        "black_board_days": "30",
        "red_board_days": "30",
    }

    post(client, path, {**hidden_fields(html, path), **form, "offline_limit": "80"})

    db.session.refresh(counter.village)
    assert counter.village.offline_limit == 80


def test_the_counter_settings_api_takes_the_offline_limit(api, counter):
    answer = api.request(
        "PUT",
        f"/villages/{counter.village.id}/counter-settings",
        json={"pin_required_above": None, "offline_limit": 0},
        as_=counter.admin,
        expect=200,
    ).get_json()

    assert answer["offline_limit"] == 0
    api.request(
        "PUT",
        f"/villages/{counter.village.id}/counter-settings",
        json={"pin_required_above": None, "offline_limit": -1},
        as_=counter.admin,
        expect=422,
    )


def test_the_counter_page_takes_its_snapshot_and_a_short_304_when_it_holds_it(client, counter):
    sign_in(client, counter.keeper)
    path = f"/shops/{counter.shop.id}/counter/offline-snapshot"

    first = get(client, path)
    same = client.get(path, headers={"If-None-Match": first.headers["ETag"]})

    body = first.get_json()
    assert body["user_id"] == counter.keeper.user_id
    assert body["csrf_token"]
    assert [h["number"] for h in body["households"]] == ["XF-001"]
    assert same.status_code == 304
    assert same.data == b""
    assert same.headers["X-User-Id"] == str(counter.keeper.user_id)
    assert same.headers["X-CSRF-Token"]


def test_the_counter_page_posts_an_offline_sale_once_per_key(client, counter):
    sign_in(client, counter.keeper)
    path = f"/shops/{counter.shop.id}/counter/offline-sales"
    body = {
        "card_token": counter.card.url,
        "items": [{"product_id": counter.soap.id, "quantity": 1}],
        "made_at": (utcnow() - dt.timedelta(minutes=5)).isoformat(),
    }

    token = get(client, f"/shops/{counter.shop.id}/counter/offline-snapshot").get_json()[
        "csrf_token"
    ]
    headers = {"X-CSRFToken": token}

    first = client.post(path, json=body, headers={**headers, "Idempotency-Key": "phone-1"})
    again = client.post(path, json=body, headers={**headers, "Idempotency-Key": "phone-1"})
    without_token = client.post(path, json=body, headers={"Idempotency-Key": "phone-9"})

    assert first.status_code == 201, first.get_data(as_text=True)[:300]
    assert first.get_json()["status"] == "posted"
    assert again.get_json() == first.get_json()
    assert without_token.status_code == 400
    assert without_token.mimetype == "application/problem+json"  # the script reads its code
    assert balance(counter) == 280
    invalid = client.post(path, json={}, headers={**headers, "Idempotency-Key": "phone-2"})
    assert invalid.status_code == 422
    assert invalid.mimetype == "application/problem+json"


def test_the_counter_pages_json_refuses_in_problem_json_as_the_api_does(client, counter):
    signed_out = get(client, f"/shops/{counter.shop.id}/counter/offline-snapshot", expect=401)
    sign_in(client, counter.admin)
    elsewhere = get(client, "/shops/999999/counter/offline-snapshot", expect=404)

    for refused, code in ((elsewhere, "not_found"), (signed_out, "unauthorized")):
        assert refused.mimetype == "application/problem+json"
        assert refused.get_json()["code"] == code


def test_a_sale_made_before_the_apps_first_day_is_refused_not_a_500(client, api, counter):
    # 0001-01-01's day in Shanghai starts in year 0: its bounds, at the offline limit, failed.
    sign_in(client, counter.keeper)
    path = f"/shops/{counter.shop.id}/counter/offline-sales"
    token = get(client, f"/shops/{counter.shop.id}/counter/offline-snapshot").get_json()[
        "csrf_token"
    ]
    body = {
        "card_token": counter.card.url,
        "items": [{"product_id": counter.soap.id, "quantity": 1}],
        "made_at": "0001-01-01T00:00:00",
    }

    page = client.post(path, json=body, headers={"X-CSRFToken": token, "Idempotency-Key": "k1"})
    online = api.post(
        "/redemptions",
        json={**body, "shop_id": counter.shop.id},
        as_=counter.keeper,
        key=True,
        expect=422,
    )

    assert page.status_code == 422
    message = "兑换时间早于 2000-01-01，请检查手机的时钟。"
    assert page.get_json()["errors"] == {"made_at": [message]}
    assert online["errors"] == {"made_at": [message]}
    assert balance(counter) == 300


def test_the_reconciliation_of_an_unknown_village_is_a_404_not_a_500(client, make, counter):
    # An admin of every village who types a village's number that does not exist.
    sign_in(client, make.staff("admin"))

    page = get(client, "/villages/999999/reconciliation", expect=404)

    assert "text/html" in page.mimetype


def test_settled_lately_shows_the_latest_resolutions_whenever_the_sales_were_made(client, counter):
    """The reconciliation's "settled lately" lists the last resolutions. It took the 20
    latest made of the village's 200 oldest offline sales: a sale made long ago and settled
    just now was left out, and once the village had 200 offline sales nothing new showed."""
    ledger.redeem(counter.village.id, counter.household.id, counter.shop.id, 300)
    keeper, admin = counter.keeper.principal, counter.admin.principal
    made = []
    for hours_ago in range(1, 22):  # the first is made last
        outcome = sync.redeem_offline(
            keeper,
            shop_id=counter.shop.id,
            household_id=counter.household.id,
            items=[{"product_id": counter.soap.id, "quantity": 2 if hours_ago == 21 else 1}],
            made_at=utcnow() - dt.timedelta(hours=hours_ago),
            client_key=f"phone-{hours_ago}",
        )
        made.append(outcome.pending.id)
    for sale_id in made:  # the one made first is settled last
        reconcile.resolve(admin, sale_id, "write_off")
    sign_in(client, counter.admin)

    html = get(client, f"/villages/{counter.village.id}/reconciliation").get_data(as_text=True)

    lately = re.findall(r"幸福超市 · XF-001 · (\d+) ·", html)
    assert len(lately) == 20
    assert lately[0] == "40"  # the latest settled first
