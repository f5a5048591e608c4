"""The counter pages: scan, pick, sell once per form key, refusals in Chinese, receipts, voids."""

import io
import re

import pytest
import sqlalchemy as sa

from pointsmart.admin.households import mark_moved_away
from pointsmart.counter.models import Product, Redemption
from pointsmart.extensions import db
from pointsmart.households.cards import format_code, issue_card
from pointsmart.ledger import service as ledger
from pointsmart.periods import local_today
from tests.conftest import count_rows
from tests.counter.web import get, hidden_fields, post, sign_in
from tests.factories import ROOT


def balance(counter):
    return ledger.account_balance(counter.village.id, f"household:{counter.household.id}")


def stock(product):
    return db.session.execute(sa.select(Product.stock).where(Product.id == product.id)).scalar_one()


def scan(client, counter, card, expect=200):
    page = get(client, f"/shops/{counter.shop.id}/counter").get_data(as_text=True)
    fields = hidden_fields(page)
    response = post(
        client, f"/shops/{counter.shop.id}/counter/card", {**fields, "card": card}, expect=expect
    )
    return response.get_data(as_text=True)


def sell(client, counter, html, quantities, expect=303, **extra):
    fields = hidden_fields(html, f"/shops/{counter.shop.id}/counter/sale")
    card = re.search(r'name="card" value="([^"]*)"', html).group(1)
    data = {**fields, "card": card, **{f"qty-{p.id}": q for p, q in quantities}, **extra}
    return post(client, f"/shops/{counter.shop.id}/counter/sale", data, expect=expect)


def test_the_pick_page_of_the_last_scan_shows_again_by_get_so_back_never_resends_the_scan(
    client, counter
):
    sign_in(client, counter.keeper)
    pick = f"/shops/{counter.shop.id}/counter/pick"
    assert (
        get(client, pick, expect=302)
        .headers["Location"]
        .endswith(f"/shops/{counter.shop.id}/counter")
    )  # nothing scanned yet: back to the scan field

    scanned = scan(client, counter, counter.card.url)
    assert f'data-pick-url="{pick}"' in scanned  # the page gives itself this address

    again = get(client, pick).get_data(as_text=True)
    assert "XF-001" in again
    assert re.search(r'data-testid="balance">300<', again)
    sell(client, counter, again, [(counter.soap, 1)])
    assert balance(counter) == 300 - counter.soap.points_price


def test_the_keeper_scans_picks_and_sells_and_gets_a_receipt(client, counter):
    sign_in(client, counter.keeper)

    picked = scan(client, counter, counter.card.url)
    assert "XF-001" in picked
    assert "王建国" in picked
    assert re.search(r'data-testid="balance">300<', picked)
    assert "香皂" in picked
    assert "确认兑换" in picked

    done = sell(client, counter, picked, [(counter.soap, 2), (counter.rice, 1)])
    receipt = get(client, done.headers["Location"]).get_data(as_text=True)

    assert "兑换成功" in receipt
    assert re.search(r'data-testid="total">290<', receipt)
    assert re.search(r'data-testid="balance-after">10<', receipt)
    assert balance(counter) == 10
    assert stock(counter.soap) == 8


def test_a_double_tap_sells_once(client, counter):
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.code)

    first = sell(client, counter, picked, [(counter.soap, 1)])
    second = sell(client, counter, picked, [(counter.soap, 1)])

    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(Redemption) == 1
    assert stock(counter.soap) == 9


def test_the_usb_scanners_short_code_in_any_case_works(client, counter):
    sign_in(client, counter.keeper)
    picked = scan(client, counter, format_code(counter.card.code).lower())
    assert "XF-001" in picked


def test_card_refusals_are_clear_chinese(client, counter):
    sign_in(client, counter.keeper)
    code = counter.card.code
    typo = code[:2] + ("X" if code[2] != "X" else "Y") + code[3:]
    old = counter.card.url
    issue_card(counter.household.id)

    assert "已换发新卡" in scan(client, counter, old, expect=410)
    assert "请核对" in scan(client, counter, typo, expect=422)
    assert "不是本系统" in scan(client, counter, "https://elsewhere.example/c/abc.def", expect=404)
    assert "请填写" in scan(client, counter, "", expect=422)
    # The household's number, also on the card, typed for its code:
    assert "XF-001 是户号" in scan(client, counter, " XF-001", expect=404)


def test_not_enough_points_is_refused_and_nothing_is_kept(client, counter):
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.token)

    refused = sell(client, counter, picked, [(counter.rice, 2)], expect=409)

    html = refused.get_data(as_text=True)
    assert "积分不足" in html
    assert "需要 500 分" in html
    assert 'value="2"' in html  # the picked quantity is kept for a correction
    assert count_rows(Redemption) == 0
    assert balance(counter) == 300
    again = sell(client, counter, html, [(counter.rice, 1)])
    assert again.status_code == 303


def test_out_of_stock_names_the_goods(client, counter):
    counter.make.award(counter.household, 1000)
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.token)

    refused = sell(client, counter, picked, [(counter.rice, 3)], expect=409)

    assert "库存只有 2" in refused.get_data(as_text=True)


def test_nothing_picked_is_a_form_error(client, counter):
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.token)
    refused = sell(client, counter, picked, [], expect=422)
    assert "请至少选一件商品" in refused.get_data(as_text=True)


@pytest.mark.parametrize("name", ["qty-²", "qty-" + "9" * 30])
def test_a_goods_field_that_names_no_goods_the_shop_can_have_is_nothing_picked(
    client, counter, name
):
    # ``qty-²`` passed str.isdigit and failed int(); 30 digits reached SQLite: both 500s.
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.token)

    refused = sell(client, counter, picked, [], expect=422, **{name: "1"})

    assert "请至少选一件商品" in refused.get_data(as_text=True)
    assert count_rows(Redemption) == 0


def test_the_pin_is_asked_above_the_villages_amount(client, counter):
    counter.village.pin_required_above = 100
    from pointsmart.counter.pins import set_pin
    from tests.factories import ROOT

    set_pin(ROOT, counter.household.id, "246810")
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.token)
    assert "户密码" in picked

    missing = sell(client, counter, picked, [(counter.rice, 1)], expect=403)
    assert "需要输入户密码" in missing.get_data(as_text=True)
    wrong = sell(client, counter, picked, [(counter.rice, 1)], pin="111111", expect=403)
    assert "户密码不对" in wrong.get_data(as_text=True)
    assert "再输错 4 次" in wrong.get_data(as_text=True)
    right = sell(  # typed by an input method in full-width mode
        client, counter, wrong.get_data(as_text=True), [(counter.rice, 1)], pin="２４６８１０"
    )
    assert right.status_code == 303


def test_only_the_shops_keeper_uses_its_counter(client, counter):
    sign_in(client, counter.admin)
    get(client, f"/shops/{counter.shop.id}/counter", expect=403)
    assert get(client, "/counter").status_code == 200  # the admin's list of shops


def test_the_keeper_goes_straight_to_the_counter(client, counter):
    sign_in(client, counter.keeper)
    assert get(client, "/counter", expect=302).headers["Location"] == (
        f"/shops/{counter.shop.id}/counter"
    )


def test_a_void_into_a_household_that_moved_away_is_refused_in_chinese(client, counter):
    sign_in(client, counter.keeper)
    cooker = counter.product("电饭锅", 300, 1)
    picked = scan(client, counter, counter.card.token)
    receipt_path = sell(client, counter, picked, [(cooker, 1)]).headers["Location"]
    receipt = get(client, receipt_path).get_data(as_text=True)
    sale_id = int(receipt_path.split("/")[2])
    fields = hidden_fields(receipt, f"/redemptions/{sale_id}/void")
    mark_moved_away(ROOT, counter.household.id)

    post(client, f"/redemptions/{sale_id}/void", {**fields, "reason": "拿错了"})

    after = get(client, receipt_path).get_data(as_text=True)
    assert "该户已迁出" in after
    assert f'action="/redemptions/{sale_id}/void"' not in after  # no button that cannot work
    assert db.session.get(Redemption, sale_id).voided_at is None
    assert balance(counter) == 0


def test_the_counter_needs_a_signed_in_user(client, counter):
    assert (
        "/login" in get(client, f"/shops/{counter.shop.id}/counter", expect=302).headers["Location"]
    )


def test_a_sale_is_voided_from_its_receipt_once(client, counter):
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.token)
    receipt_path = sell(client, counter, picked, [(counter.soap, 3)]).headers["Location"]
    receipt = get(client, receipt_path).get_data(as_text=True)
    sale_id = int(receipt_path.split("/")[2])
    fields = hidden_fields(receipt, f"/redemptions/{sale_id}/void")

    post(client, f"/redemptions/{sale_id}/void", {**fields, "reason": "拿错了"})
    post(client, f"/redemptions/{sale_id}/void", {**fields, "reason": "拿错了"})  # double tap

    after = get(client, receipt_path).get_data(as_text=True)
    assert "已撤销" in after
    assert "拿错了" in after
    assert f'action="/redemptions/{sale_id}/void"' not in after
    assert balance(counter) == 300
    assert stock(counter.soap) == 10
    day = get(client, f"/shops/{counter.shop.id}/sales").get_data(as_text=True)
    assert "已撤销" in day


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "bogus"])
def test_a_day_the_app_cannot_reckon_with_shows_todays_sales_not_a_500(client, counter, day):
    sign_in(client, counter.keeper)
    sell(client, counter, scan(client, counter, counter.card.token), [(counter.soap, 1)])
    sales = count_rows(Redemption)

    # 0001-01-01 starts in year 0 in UTC and 9999-12-31 ends in 10000: both answered 500.
    page = get(client, f"/shops/{counter.shop.id}/sales?day={day}").get_data(as_text=True)

    today = local_today(counter.village.timezone).isoformat()
    assert f"<h1>{today} 的兑换</h1>" in page
    assert "XF-001 王建国" in page  # today's sale
    assert count_rows(Redemption) == sales


def test_goods_stock_and_low_stock_warning_pages(client, counter, tmp_path, app, monkeypatch):
    monkeypatch.setitem(app.config, "PRODUCT_PHOTO_DIR", str(tmp_path))
    sign_in(client, counter.keeper)
    page = get(client, f"/shops/{counter.shop.id}/goods").get_data(as_text=True)
    assert "库存不足" in page  # rice: 2 left, warning at 5
    fields = hidden_fields(page, f"/shops/{counter.shop.id}/goods")

    post(
        client,
        f"/shops/{counter.shop.id}/goods",
        {**fields, "name": "毛巾", "points_price": "40", "stock": "6", "low_stock_at": "2"},
    )
    towel = db.session.execute(sa.select(Product).where(Product.name == "毛巾")).scalar_one()
    assert towel.stock == 6
    bad = post(
        client,
        f"/shops/{counter.shop.id}/goods",
        {
            **hidden_fields(page, f"/shops/{counter.shop.id}/goods"),
            "name": "毛巾",
            "points_price": "x",
        },
        expect=422,
    ).get_data(as_text=True)
    assert "请填写整数" in bad

    product_page = get(client, f"/products/{towel.id}").get_data(as_text=True)
    fields = hidden_fields(product_page, f"/products/{towel.id}/stock")
    taken_out = {**fields, "direction": "out", "quantity": "4", "memo": "受潮"}
    post(client, f"/products/{towel.id}/stock", taken_out)
    post(client, f"/products/{towel.id}/stock", taken_out)  # the browser resent the form
    assert stock(towel) == 2
    fresh = hidden_fields(get(client, f"/products/{towel.id}").get_data(as_text=True))
    too_many = post(
        client,
        f"/products/{towel.id}/stock",
        {**fresh, "direction": "out", "quantity": "5"},
        expect=422,
    ).get_data(as_text=True)
    assert "库存只有 2" in too_many
    shown = get(client, f"/products/{towel.id}").get_data(as_text=True)
    assert "受潮" in shown
    assert "期初库存" in shown


def test_an_admin_opens_a_shop_sets_the_pin_rule_and_a_households_pin(client, counter):
    from pointsmart.households.models import Household
    from pointsmart.villages.models import Village

    sign_in(client, counter.admin)
    office = get(client, f"/villages/{counter.village.id}/shops").get_data(as_text=True)
    token = hidden_fields(office)["csrf_token"]

    post(
        client, f"/villages/{counter.village.id}/shops", {"csrf_token": token, "name": "二组小卖部"}
    )
    post(
        client,
        f"/villages/{counter.village.id}/counter-settings",
        {"csrf_token": token, "pin_required_above": "150"},
    )
    post(
        client,
        f"/villages/{counter.village.id}/pins",
        {"csrf_token": token, "number": "XF-001", "pin": "135790"},
    )
    unknown = post(
        client,
        f"/villages/{counter.village.id}/pins",
        {"csrf_token": token, "number": "XF-999", "pin": "135790"},
        expect=422,
    )

    assert "二组小卖部" in get(client, f"/villages/{counter.village.id}/shops").get_data(
        as_text=True
    )
    assert db.session.get(Village, counter.village.id).pin_required_above == 150
    assert db.session.get(Household, counter.household.id).pin_hash is not None
    assert "XF-999" in unknown.get_data(as_text=True)
    sign_in(client, counter.keeper)
    get(client, f"/villages/{counter.village.id}/shops", expect=403)


def test_a_statement_links_the_months_beside_it_but_none_outside_the_apps_calendar(client, counter):
    sign_in(client, counter.admin)
    shop = counter.shop.id

    first = get(client, f"/shops/{shop}/settlements/2000-01").get_data(as_text=True)
    march = get(client, f"/shops/{shop}/settlements/2026-03").get_data(as_text=True)

    assert "/settlements/1999-12" not in first
    assert f"/shops/{shop}/settlements/2000-02" in first
    assert f"/shops/{shop}/settlements/2026-02" in march
    assert f"/shops/{shop}/settlements/2026-04" in march


def test_the_monthly_statement_is_printable_and_an_admin_settles_it_once(
    client, counter, monkeypatch
):
    import datetime as dt

    march = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
    monkeypatch.setattr("pointsmart.ledger.posting.utcnow", lambda: march)
    monkeypatch.setattr("pointsmart.ledger.chain.utcnow", lambda: march)
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.token)
    sell(client, counter, picked, [(counter.soap, 3)])
    monkeypatch.undo()

    keeper_view = get(client, f"/shops/{counter.shop.id}/settlements/2026-03").get_data(
        as_text=True
    )
    assert "积分兑换结算单" in keeper_view
    assert re.search(r'data-testid="points">60<', keeper_view)
    assert re.search(r'data-testid="yuan">6.00 元<', keeper_view)
    assert "店主" in keeper_view
    assert '/settlements/2026-03" class="form settle-form"' not in keeper_view  # not for shops

    sign_in(client, counter.admin)
    page = get(client, f"/shops/{counter.shop.id}/settlements/2026-03").get_data(as_text=True)
    fields = hidden_fields(page, f"/shops/{counter.shop.id}/settlements/2026-03")
    post(client, f"/shops/{counter.shop.id}/settlements/2026-03", fields)
    post(client, f"/shops/{counter.shop.id}/settlements/2026-03", fields)  # double tap

    settled = get(client, f"/shops/{counter.shop.id}/settlements/2026-03").get_data(as_text=True)
    assert "已于" in settled
    assert ledger.account_balance(counter.village.id, "settled") == 60
    assert get(client, f"/shops/{counter.shop.id}/settlements", expect=302)
    chosen = get(client, f"/shops/{counter.shop.id}/settlements?period=2026-03", expect=302)
    assert chosen.headers["Location"] == f"/shops/{counter.shop.id}/settlements/2026-03"
    odd = get(client, f"/shops/{counter.shop.id}/settlements?period=../..", expect=422)
    assert "Location" not in odd.headers
    assert "月份的格式为 YYYY-MM" in odd.get_data(as_text=True)


def test_a_household_that_moved_away_is_refused_at_the_scan(client, counter):
    counter.household.status = "moved_away"
    sign_in(client, counter.keeper)
    assert "已迁出" in scan(client, counter, counter.card.token, expect=409)


def test_a_malformed_pin_is_a_form_error_that_counts_no_attempt(client, counter):
    from pointsmart.households.models import Household

    counter.village.pin_required_above = 0
    sign_in(client, counter.keeper)
    picked = scan(client, counter, counter.card.token)

    refused = sell(client, counter, picked, [(counter.soap, 1)], pin="12ab", expect=422)

    assert refused.get_data(as_text=True).count("户密码是 6 位数字") == 1
    assert db.session.get(Household, counter.household.id).pin_failed_attempts == 0


def test_the_counter_lists_goods_in_the_shops_own_order(client, counter):
    towel = counter.product("毛巾", 30, 5, position=1)
    counter.product("酱油", 15, 0)  # sold out: shown, but nothing to pick
    sign_in(client, counter.keeper)

    picked = scan(client, counter, counter.card.url)
    names = re.findall(r'<span class="goods-name">([^<]+)</span>', picked)

    assert names == ["毛巾", "大米 5kg", "酱油", "香皂"]
    assert f'name="qty-{towel.id}"' in picked
    sold_out = picked[picked.index(">酱油<") :].split("</li>")[0]
    assert "已售完" in sold_out
    assert "<input" not in sold_out
    assert "<button" not in sold_out


def test_goods_dearer_than_the_balance_are_marked_on_the_page(client, counter):
    counter.product("电饭锅", 500, 3)
    sign_in(client, counter.keeper)

    picked = scan(client, counter, counter.card.url)
    cooker = picked[picked.index(">电饭锅<") - 300 : picked.index(">电饭锅<") + 600]

    assert 'class="goods-row unaffordable"' in cooker
    assert re.search(r'<span class="goods-dear" data-dear>积分不够</span>', cooker)
    soap = picked[picked.index(">香皂<") : picked.index(">香皂<") + 600]
    assert re.search(r'<span class="goods-dear" data-dear hidden>', soap)


def test_a_shop_name_taken_and_a_photo_that_is_no_picture_are_said_beside_their_fields(
    client, counter, tmp_path, app, monkeypatch
):
    monkeypatch.setitem(app.config, "PRODUCT_PHOTO_DIR", str(tmp_path))
    sign_in(client, counter.admin)
    office = get(client, f"/villages/{counter.village.id}/shops").get_data(as_text=True)
    token = hidden_fields(office)["csrf_token"]
    taken = post(
        client,
        f"/villages/{counter.village.id}/shops",
        {"csrf_token": token, "name": counter.shop.name},
        expect=422,
    ).get_data(as_text=True)

    not_a_picture = post(
        client,
        f"/products/{counter.soap.id}/photo",
        {"csrf_token": token, "photo": (io.BytesIO(b"MZ not a picture"), "soap.jpg")},
        expect=422,
        content_type="multipart/form-data",
    ).get_data(as_text=True)

    assert 'id="name-error"' in taken
    assert "已有同名的商店" in taken
    assert 'id="photo-error"' in not_a_picture
    assert "这张照片无法使用" in not_a_picture


def test_the_photo_form_sent_without_a_photo_is_refused_and_only_to_whoever_may_change_it(
    client, counter, make
):
    """It answered "Saved." to anyone signed in, staff of another village too, changing
    nothing."""
    stranger = make.staff("admin", make.village())
    sign_in(client, stranger)
    page = get(client, "/admin").get_data(as_text=True)
    token = hidden_fields(page)["csrf_token"]
    post(client, f"/products/{counter.soap.id}/photo", {"csrf_token": token}, expect=403)

    sign_in(client, counter.admin)
    office = get(client, f"/villages/{counter.village.id}/shops").get_data(as_text=True)
    token = hidden_fields(office)["csrf_token"]
    nothing = post(
        client, f"/products/{counter.soap.id}/photo", {"csrf_token": token}, expect=422
    ).get_data(as_text=True)

    assert 'id="photo-error"' in nothing
    assert "请先选择一张照片" in nothing
