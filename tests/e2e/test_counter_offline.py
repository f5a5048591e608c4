"""The counter without network, in headless Chromium (issue 14, item 3).

Sell online; go offline (``context.set_offline``); sell three times for two households; come
back online with a second tab open on the counter too: exactly three sales posted, each
once, stock and balances right, and a reload sends nothing again. A household that spent its
points at another shop meanwhile: its offline sale is refused at sync, shows in the shop's
"needs attention" and the committee's reconciliation, and each resolution posts what it
should. The offline limit is enforced on the phone.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pointsmart.counter import goods
from pointsmart.counter.models import PendingOfflineSale, Product, Redemption
from pointsmart.extensions import db
from pointsmart.households.cards import issue_card
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from tests.e2e.conftest import CHROMIUM_ARGS, screenshot
from tests.e2e.test_public_pages import AXE, PHONE_CONTEXT
from tests.factories import ROOT, Factories
from tests.system_packages import chromium

PASSWORD = "shop-pass-2026"


@dataclass
class Village:
    village_id: int
    shop_id: int
    other_shop_id: int
    soap_id: int
    keeper: str
    admin: str
    cards: dict[str, str]  # household number -> card URL
    households: dict[str, int]


@pytest.fixture
def village(live_app) -> Village:
    with live_app.app_context():
        make = Factories()
        village = make.village(name="幸福村")
        shop = make.shop(village, name="幸福村积分超市")
        other = make.shop(village, name="村口小店")
        keeper = make.staff("shopkeeper", village, shop, password=PASSWORD)
        admin = make.staff("admin", village, password=PASSWORD)
        households, cards = {}, {}
        for number, name, points in (("XF-001", "王建国", 300), ("XF-002", "李秀英", 45)):
            household = make.household(village, number=number, head_name=name)
            make.award(household, points)
            households[number] = household.id
            cards[number] = issue_card(household.id).url
        soap = goods.create_product(ROOT, shop.id, name="香皂", points_price=20, stock=10)
        goods.create_product(ROOT, shop.id, name="大米 5kg", points_price=250, stock=2)
        db.session.commit()
        return Village(
            village.id,
            shop.id,
            other.id,
            soap.id,
            keeper.username,
            admin.username,
            cards,
            households,
        )


def sign_in(page, server: str, username: str) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def open_counter(page, server: str, village: Village) -> None:
    page.goto(f"{server}/shops/{village.shop_id}/counter")
    page.evaluate("() => PointsmartOffline.ready")


def scan(page, card_url: str) -> None:
    field = page.get_by_label("积分卡")
    field.fill(card_url)
    field.press("Enter")


def sell_offline(page, village: Village, number: str, soaps: int) -> None:
    scan(page, village.cards[number])
    for _ in range(soaps):
        page.get_by_role("button", name="香皂 加一件").click()
    page.get_by_test_id("offline-confirm").click()
    page.locator("[data-offline-panel]").wait_for(state="detached")
    page.get_by_test_id("offline-kept").filter(has_text=number).wait_for()


def waiting_count(page) -> int:
    waiting = page.get_by_test_id("offline-waiting")
    if not waiting.count():
        return 0
    return int(waiting.inner_text().split()[0])


def facts(app, village: Village):
    with app.app_context():
        made = db.session.execute(
            sa.select(Redemption.household_id, Redemption.total_points)
            .where(Redemption.made_at.is_not(None))
            .order_by(Redemption.made_at)
        ).all()
        stock = db.session.execute(
            sa.select(Product.stock).where(Product.id == village.soap_id)
        ).scalar_one()
        balances = {
            number: ledger.account_balance(village.village_id, f"household:{household_id}")
            for number, household_id in village.households.items()
        }
        pending = db.session.execute(
            sa.select(PendingOfflineSale.reason, PendingOfflineSale.status)
        ).all()
        ok = verify_village(village.village_id).ok
        db.session.rollback()
        return made, stock, balances, pending, ok


def test_three_offline_sales_post_once_each_across_a_second_tab_and_a_reload(
    live_app, live_server, phone, village
):
    context = phone.context
    sign_in(phone, live_server, village.keeper)
    # Online first: one soap for XF-001, as on any day. On this first visit the service
    # worker keeps the counter page and its files for opening with no network.
    open_counter(phone, live_server, village)
    phone.wait_for_selector("html[data-page-kept='true']", state="attached", timeout=20_000)
    scan(phone, village.cards["XF-001"])
    phone.get_by_role("button", name="香皂 加一件").click()
    phone.get_by_role("button", name="确认兑换").click()
    phone.wait_for_url(f"{live_server}/redemptions/*/receipt")
    open_counter(phone, live_server, village)

    context.set_offline(True)
    sell_offline(phone, village, "XF-001", 1)
    sell_offline(phone, village, "XF-002", 1)
    sell_offline(phone, village, "XF-001", 1)

    assert phone.get_by_test_id("offline-banner").inner_text().startswith("没有网络")
    assert waiting_count(phone) == 3
    screenshot(phone, "counter-offline-waiting")
    # A reload and a second tab, still with no network: the page opens from the phone, and
    # the three sales are still there, waiting.
    phone.reload()
    phone.evaluate("() => PointsmartOffline.ready")
    assert waiting_count(phone) == 3
    second = context.new_page()
    open_counter(second, live_server, village)
    assert waiting_count(second) == 3
    made, *_ = facts(live_app, village)
    assert made == []  # nothing reached the server

    context.set_offline(False)  # both tabs hear "online" and try to send
    for tab in (phone, second):
        tab.wait_for_function(
            "() => !document.querySelector('[data-testid=offline-waiting]')", timeout=20_000
        )
    second.reload()
    second.evaluate("() => PointsmartOffline.ready")
    phone.reload()
    phone.evaluate("() => PointsmartOffline.ready")

    made, stock, balances, pending, ok = facts(live_app, village)
    one, two = village.households["XF-001"], village.households["XF-002"]
    assert made == [(one, 20), (two, 20), (one, 20)]
    assert stock == 10 - 1 - 3
    assert balances == {"XF-001": 300 - 20 - 40, "XF-002": 45 - 20}
    assert pending == []
    assert ok


def test_a_sale_refused_at_sync_waits_for_the_committee_and_each_resolution_pays(
    live_app, live_server, phone, village, browser
):
    context = phone.context
    sign_in(phone, live_server, village.keeper)
    open_counter(phone, live_server, village)

    context.set_offline(True)
    sell_offline(phone, village, "XF-002", 2)  # 40 of its 45 points
    sell_offline(phone, village, "XF-001", 1)
    # Meanwhile XF-002 spends 30 at the other shop, which had network, and XF-001's card is
    # replaced (lost).
    with live_app.app_context():
        ledger.redeem(village.village_id, village.households["XF-002"], village.other_shop_id, 30)
        issue_card(village.households["XF-001"])
        db.session.commit()
    context.set_offline(False)
    phone.wait_for_function(
        "() => !document.querySelector('[data-testid=offline-waiting]')", timeout=20_000
    )

    refused = phone.get_by_test_id("offline-refused")
    refused.wait_for()
    refused.get_by_role("link").click()
    attention = phone.get_by_test_id("needs-attention").inner_text()
    assert "XF-002" in attention
    assert "积分不够" in attention
    assert "XF-001" in attention
    assert "补办" in attention
    screenshot(phone, "counter-offline-needs-attention")

    # The committee: charge XF-002 (it goes below zero), write XF-001's off.
    admin_context = browser.new_context(bypass_csp=True, **PHONE_CONTEXT)  # to inject axe
    committee = admin_context.new_page()
    sign_in(committee, live_server, village.admin)
    committee.goto(f"{live_server}/villages/{village.village_id}/reconciliation")
    assert "XF-002" in committee.get_by_test_id("reconciliation").inner_text()
    committee.add_script_tag(path=str(AXE))
    violations = committee.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id))"
    )
    assert violations == []
    sales = committee.get_by_test_id("reconciliation").locator("li.card")
    sales.filter(has_text="XF-002").get_by_role("button", name="记在农户账上").click()
    committee.wait_for_load_state()
    sales.filter(has_text="XF-001").get_by_role("button", name="核销：由村里付").click()
    committee.wait_for_load_state()
    expect(committee.get_by_test_id("nothing-waits")).to_have_count(1)

    made, stock, balances, pending, ok = facts(live_app, village)
    assert made == []
    assert balances == {"XF-001": 300, "XF-002": 45 - 30 - 40}
    assert sorted(pending) == [
        ("card_revoked", "write_off"),
        ("insufficient_points", "shortfall"),
    ]
    assert stock == 10 - 3
    assert ok
    with live_app.app_context():
        kinds = db.session.execute(
            sa.select(Transfer.kind, Transfer.amount, Transfer.household_id)
            .where(Transfer.kind.in_(["shortfall", "write_off"]))
            .order_by(Transfer.id)
        ).all()
    assert kinds == [
        ("shortfall", 40, village.households["XF-002"]),
        ("write_off", 20, None),
    ]
    admin_context.close()


def test_the_offline_limit_is_enforced_on_the_phone(live_app, live_server, browser, village):
    context = browser.new_context(bypass_csp=True, **PHONE_CONTEXT)  # to inject axe
    phone = context.new_page()
    sign_in(phone, live_server, village.keeper)
    open_counter(phone, live_server, village)
    phone.context.set_offline(True)

    sell_offline(phone, village, "XF-001", 2)  # 40 of the day's 50
    scan(phone, village.cards["XF-001"])
    phone.get_by_role("button", name="香皂 加一件").click()

    expect(phone.get_by_test_id("offline-confirm")).to_be_disabled()
    expect(phone.get_by_test_id("offline-over")).to_have_text(
        "超过离线额度：今天还能兑换 10 分。", use_inner_text=True
    )
    assert "今天离线还能兑换 10 分" in phone.locator("[data-offline-panel]").inner_text()
    phone.add_script_tag(path=str(AXE))
    violations = phone.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id))"
    )
    assert violations == []
    screenshot(phone, "counter-offline-limit")
    context.close()


def test_a_reply_lost_on_the_way_back_posts_nothing_twice(live_app, live_server, phone, village):
    sign_in(phone, live_server, village.keeper)
    open_counter(phone, live_server, village)
    phone.context.set_offline(True)
    sell_offline(phone, village, "XF-001", 1)
    lost = []

    def lose_the_reply(route):
        # The server gets the sale and answers; the answer never reaches the phone.
        route.fetch()
        lost.append(route.request.headers["idempotency-key"])
        route.abort()

    phone.route("**/counter/offline-sales", lose_the_reply)
    phone.context.set_offline(False)  # the page hears "online" and sends the sale
    for _ in range(100):
        if lost:
            break
        phone.wait_for_timeout(100)
    phone.wait_for_timeout(300)
    assert len(lost) == 1
    assert waiting_count(phone) == 1  # no answer: the sale still waits on the phone

    phone.unroute("**/counter/offline-sales")
    phone.reload()  # every page load sends what waits
    phone.evaluate("() => PointsmartOffline.ready")

    assert waiting_count(phone) == 0
    made, stock, balances, pending, ok = facts(live_app, village)
    assert pending == []
    assert made == [(village.households["XF-001"], 20)]
    assert stock == 10 - 1
    assert balances["XF-001"] == 300 - 20
    assert ok


def test_a_network_that_says_it_is_up_but_carries_nothing_sells_offline(
    live_app, live_server, phone, village
):
    sign_in(phone, live_server, village.keeper)
    open_counter(phone, live_server, village)
    # The page still loads, but the server's answers to the counter's own requests get lost.
    phone.route("**/counter/offline-snapshot", lambda route: route.abort())
    open_counter(phone, live_server, village)

    sell_offline(phone, village, "XF-002", 1)
    assert waiting_count(phone) == 1

    phone.unroute("**/counter/offline-snapshot")
    open_counter(phone, live_server, village)
    made, *_ = facts(live_app, village)
    assert made == [(village.households["XF-002"], 20)]


def test_sales_kept_before_a_phone_restart_are_sent_after_it(
    live_app, live_server, village, browser, tmp_path
):
    profile = tmp_path / "phone-profile"  # the phone's storage, kept across the restart

    def start_phone():
        # The session's Playwright, with a browser profile on disk: a phone that keeps its
        # storage when it is switched off.
        context = browser.browser_type.launch_persistent_context(
            str(profile), executable_path=chromium(), headless=True, args=CHROMIUM_ARGS,
            **PHONE_CONTEXT,
        )  # fmt: skip
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(10_000)
        return context, page

    context, phone = start_phone()
    sign_in(phone, live_server, village.keeper)
    open_counter(phone, live_server, village)
    context.set_offline(True)
    sell_offline(phone, village, "XF-001", 2)
    context.close()  # the phone is switched off with the sale waiting

    context, phone = start_phone()  # ... and on again, with network
    open_counter(phone, live_server, village)
    assert waiting_count(phone) == 0
    context.close()

    made, stock, balances, pending, ok = facts(live_app, village)
    assert made == [(village.households["XF-001"], 40)]
    assert (stock, balances["XF-001"], pending, ok) == (10 - 2, 300 - 40, [], True)


KEPT = """(store) => new Promise((resolve, reject) => {
  const opening = indexedDB.open("pointsmart-offline");
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const db = opening.result;
    if (!db.objectStoreNames.contains(store)) { db.close(); resolve(0); return; }
    const counting = db.transaction(store).objectStore(store).count();
    counting.onsuccess = () => { db.close(); resolve(counting.result); };
  };
})"""


def test_signing_out_from_any_page_clears_the_snapshot_but_not_the_waiting_sales(
    live_app, live_server, phone, village
):
    sign_in(phone, live_server, village.keeper)
    open_counter(phone, live_server, village)
    phone.wait_for_selector("html[data-page-kept='true']", state="attached", timeout=20_000)
    phone.context.set_offline(True)
    sell_offline(phone, village, "XF-001", 1)
    phone.context.set_offline(False)
    assert phone.evaluate(KEPT, "snapshots") == 1

    phone.goto(f"{live_server}/")  # a page without the counter's scripts
    phone.get_by_role("button", name="退出登录").click()
    phone.wait_for_load_state()

    assert phone.evaluate(KEPT, "snapshots") == 0
    assert phone.evaluate(KEPT, "sales") == 1  # the sale (sent or waiting) is still on record
    sign_in(phone, live_server, village.keeper)
    open_counter(phone, live_server, village)
    made, *_ = facts(live_app, village)
    assert made == [(village.households["XF-001"], 20)]


def test_a_card_issued_after_the_snapshot_sells_offline(live_app, live_server, phone, village):
    """A household that got a new card after the counter took its snapshot (its old card
    lost) shows the new card at a counter without network: the new card is the good one,
    and the sale is kept; the phone said it had been replaced and refused it."""
    sign_in(phone, live_server, village.keeper)
    open_counter(phone, live_server, village)  # the snapshot knows the first card
    phone.context.set_offline(True)
    with live_app.app_context():
        new_card = issue_card(village.households["XF-002"]).url
        db.session.commit()

    scan(phone, new_card)
    phone.get_by_role("button", name="香皂 加一件").click()
    phone.get_by_test_id("offline-confirm").click()
    phone.get_by_test_id("offline-kept").filter(has_text="XF-002").wait_for()
    phone.context.set_offline(False)
    phone.wait_for_function(
        "() => !document.querySelector('[data-testid=offline-waiting]')", timeout=20_000
    )

    made, stock, balances, pending, ok = facts(live_app, village)
    assert made == [(village.households["XF-002"], 20)]
    assert (stock, balances["XF-002"], pending, ok) == (10 - 1, 45 - 20, [], True)


def test_a_double_tap_on_the_pick_page_without_network_keeps_one_sale(
    live_app, live_server, phone, village
):
    """The goods were picked with network; it went before the confirm, which the shopkeeper
    tapped twice. Online, the form's one-time key makes the second tap harmless; offline, each
    tap kept a sale of its own, and the household paid twice when they were sent."""
    sign_in(phone, live_server, village.keeper)
    open_counter(phone, live_server, village)
    scan(phone, village.cards["XF-001"])
    phone.get_by_role("button", name="香皂 加一件").click()
    phone.context.set_offline(True)

    phone.get_by_role("button", name="确认兑换").dblclick()
    phone.get_by_test_id("offline-kept").wait_for()
    phone.wait_for_timeout(500)
    assert waiting_count(phone) == 1
    phone.context.set_offline(False)
    phone.wait_for_function(
        "() => !document.querySelector('[data-testid=offline-waiting]')", timeout=20_000
    )

    made, stock, balances, pending, ok = facts(live_app, village)
    assert made == [(village.households["XF-001"], 20)]
    assert (stock, balances["XF-001"], pending, ok) == (10 - 1, 300 - 20, [], True)


def test_signing_out_at_the_counter_sends_the_waiting_sales_first_or_asks(
    live_app, live_server, phone, village
):
    """A waiting sale is sent only by whoever made it: signed out, it waited unseen for that
    person's next sign-in on this phone. Online, signing out sends it first; offline, the
    shopkeeper is asked, and may stay."""
    sign_in(phone, live_server, village.keeper)
    open_counter(phone, live_server, village)
    phone.context.set_offline(True)
    sell_offline(phone, village, "XF-001", 1)

    with phone.expect_event("dialog") as asked:
        phone.get_by_role("button", name="退出登录").click()
    question = asked.value.message
    asked.value.dismiss()

    assert "您还有 1 笔没联网时的兑换没有上传" in question
    assert f"/shops/{village.shop_id}/counter" in phone.url  # still here, still signed in
    assert waiting_count(phone) == 1
    phone.context.set_offline(False)
    phone.get_by_role("button", name="退出登录").click()  # sent first: nothing to ask
    phone.wait_for_url(lambda url: "/counter" not in url)
    made, *_ = facts(live_app, village)
    assert made == [(village.households["XF-001"], 20)]


def test_the_pick_page_without_network_sells_no_more_than_the_phone_knows_is_left(
    live_app, live_server, phone, village
):
    """Regression: the goods picked with network, the confirm without it kept the sale even
    when the sales waiting on this phone (another shopkeeper's, not sent while they are
    signed out) had taken the last of them: the household was charged for goods never there.
    """
    with live_app.app_context():
        db.session.execute(sa.update(Product).where(Product.id == village.soap_id).values(stock=2))
        db.session.commit()
    sign_in(phone, live_server, village.keeper)
    open_counter(phone, live_server, village)
    phone.evaluate(
        """([shopId, soapId]) => PointsmartOffline.store.addSale({
            key: "offline-of-a-colleague", shop_id: shopId, user_id: -1, household_id: 0,
            total: 40, lines: [], made_ms: Date.now(), seq: 1, state: "waiting",
            body: {items: [{product_id: soapId, quantity: 2}]}})""",
        [village.shop_id, village.soap_id],
    )
    scan(phone, village.cards["XF-001"])
    phone.get_by_role("button", name="香皂 加一件").click()
    phone.context.set_offline(True)

    phone.get_by_role("button", name="确认兑换").click()

    expect(phone.get_by_text("香皂只剩 0 件")).to_be_visible()
    kept = phone.evaluate("() => PointsmartOffline.store.sales().then(s => s.map(x => x.key))")
    assert kept == ["offline-of-a-colleague"]
    assert phone.get_by_test_id("offline-kept").count() == 0
