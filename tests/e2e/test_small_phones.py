"""Every page each role reaches from its menus, on small phones (320 and 390 px wide, in
Chinese, in headless Chromium): nothing wider than the screen, touch targets of 44 x 44 px,
body text of 16 px or more, and no serious or critical axe-core violation.

The demo village (``pointsmart.demo``) gives every role real data. Each role signs in once,
in a browser context of its own, and walks its pages: from where signing in leads, every
link on a page that leads to a page of the app not yet checked (one URL per view of the
url_map: a household's page stands for all the households) is opened in turn. The roles go
in the order card page (no sign-in), villager, leader, shopkeeper, village admin, global
admin, so a page is checked as the least-privileged role that reaches it; an admin then
adds only the views the others do not reach. Pages reached by a form rather than a link
(the counter's pick page, a household found by search, a card just issued, the PIN page)
are opened by address. Each page is checked at 390 px, then again at 320 px in the same tab
(the layout is CSS; nothing on these pages is laid out by script at load). The pages
opened are listed in test-artifacts/small-phones-pages.txt.

Not reached: the township and county pages and the rule templates (the demo has no region;
tests/e2e/test_regions.py and test_rule_templates.py check them at 390 px) and the roster
import's preview (it needs an uploaded file; test_roster_import.py opens it).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import HTTPException

from pointsmart.counter.models import Shop
from pointsmart.demo import GLOBAL_ADMIN, SHOPKEEPER, VILLAGE_ADMIN, VOLUNTEER_LEADER, load_demo
from pointsmart.extensions import db
from pointsmart.households.models import Card, Household
from tests.e2e.conftest import ARTIFACTS

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDTHS = (390, 320)
HEIGHT = 740

# Where a walk never goes: downloads, the API, the language switch, files.
NOT_PAGES = ("/api/", "/static/", "/lang/", "/sw.js", "/manifest/", "/healthz")
DOWNLOADS = (".pdf", ".csv", ".xlsx", ".png", ".svg", ".jpg", ".webmanifest", ".js")

# The checks, run in the page. A problem is [what, element].
#
# Touch targets: every visible link, button, input, select and textarea inside <main> is at
# least 44 x 44 CSS px (a full-width field is far wider, so only its height can fail). Inline
# links inside a paragraph of text are exempt (WCAG 2.5.8's "inline" exception): an <a> laid
# out inline (computed display "inline") whose nearest block ancestor has words of its own
# (letters or digits outside any link or button). A row of links with only separators
# between them is no paragraph and is checked.
#
# Sideways scrolling: the document is no wider than the screen; the elements reaching past the
# right edge are named, except those inside a box that scrolls on its own (a table in its
# .table-scroll region).
CHECKS = """
(width) => {
  const problems = [];
  const describe = (e) => {
    const text = (e.innerText || e.value || e.getAttribute('aria-label') || '').trim();
    const classes = typeof e.className === 'string' && e.className
      ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
    return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + classes
      + (e.type && e.tagName !== 'BUTTON' ? '[type=' + e.type + ']' : '')
      + (text ? ' "' + text.slice(0, 30).replace(/\\s+/g, ' ') + '"' : '');
  };
  const shown = (e) => {
    const box = e.getBoundingClientRect();
    const style = getComputedStyle(e);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden';
  };
  const scrollsItself = (e) => {
    for (let up = e.parentElement; up && up !== document.body; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') return true;
    }
    return false;
  };

  const pageWidth = document.documentElement.scrollWidth;
  if (pageWidth > width) {
    const right = (e) => {  // its box's right edge, or its text's where the text overflows
      const box = e.getBoundingClientRect();
      return getComputedStyle(e).overflowX === 'visible'
        ? box.left + Math.max(box.width, e.scrollWidth) : box.right;
    };
    const past = [...document.querySelectorAll('body *')].filter(
      (e) => right(e) > width + 0.5 && !scrollsItself(e));
    const outermost = past.filter((e) => !past.includes(e.parentElement));
    problems.push(['scrolls sideways: ' + pageWidth + ' px wide',
                   outermost.slice(0, 5).map(describe).join(', ')]);
  }

  const block = (e) => {
    let up = e.parentElement;
    while (up && getComputedStyle(up).display.startsWith('inline')) up = up.parentElement;
    return up;
  };
  const ownWords = (container) => {
    const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('a, button') && container.contains(
        node.parentElement.closest('a, button'))) continue;
      if (/[\\p{L}\\p{N}]/u.test(node.textContent)) return true;
    }
    return false;
  };
  const inlineInText = (e) =>
    e.tagName === 'A' && getComputedStyle(e).display === 'inline' && ownWords(block(e));

  const main = document.querySelector('main');
  const targets = 'a[href], button, input:not([type=hidden]), select, textarea';
  for (const e of main.querySelectorAll(targets)) {
    if (!shown(e) || inlineInText(e)) continue;
    const box = e.getBoundingClientRect();
    if (box.width < 43.99 || box.height < 43.99) {
      problems.push(['touch target ' + Math.round(box.width) + 'x' + Math.round(box.height),
                     describe(e)]);
    }
  }

  for (const e of main.querySelectorAll('p, li, td, label, dd')) {
    if (!shown(e) || !e.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(e).fontSize);
    if (size < 16) problems.push(['text ' + size + ' px', describe(e)]);
  }
  return problems;
}
"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.slice(0, 3).map((n) => ['axe ' + v.id, n.target.join(' ')]));
}"""

LINKS = """() => [...document.querySelectorAll('a[href]')].map((a) => a.href)"""


@pytest.fixture
def demo(live_app):
    """The demo village; the villager's phone and PIN and its card's short code."""
    with live_app.app_context():
        logins = load_demo()
        db.session.commit()
        villager_phone, villager_pin = logins[-1][1], logins[-1][2]
        household = db.session.execute(
            sa.select(Household).where(Household.phone == villager_phone)
        ).scalar_one()
        code = (
            db.session.execute(
                sa.select(Card.code)
                .where(Card.household_id == household.id)
                .order_by(Card.version.desc())
            )
            .scalars()
            .first()
        )
        shop_id = db.session.execute(sa.select(Shop.id)).scalar_one()
        return {
            "phone": villager_phone, "pin": villager_pin, "card_code": code,
            "village_id": household.village_id, "household_id": household.id, "shop_id": shop_id,
        }  # fmt: skip


class Walk:
    """One role's tab: the pages it opens and the problems found on them."""

    def __init__(self, browser, app, server: str, seen: set[str], problems: list[str],
                 checked: list[str]):  # fmt: skip
        self.context = browser.new_context(
            viewport={"width": WIDTHS[0], "height": HEIGHT}, device_scale_factor=2,
            is_mobile=True, has_touch=True, locale="zh-CN", bypass_csp=True,  # to inject axe
        )  # fmt: skip
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.adapter = app.url_map.bind("localhost")
        self.server, self.seen, self.problems, self.checked = server, seen, problems, checked
        self.pages = 0
        self.tried: set[str] = set()  # the views this role asked for

    def close(self) -> None:
        self.context.close()

    def view(self, url: str) -> str | None:
        """The url_map endpoint a link of ours leads to, or None for no page of ours."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.server:
            return None
        if parts.path.startswith(NOT_PAGES) or parts.path.endswith(DOWNLOADS):
            return None
        try:
            endpoint, _ = self.adapter.match(parts.path, method="GET")
        except HTTPException:
            return None
        return endpoint

    def walk(self, start: str) -> None:
        """Open ``start`` and every page reached from it by links, one URL per view."""
        queue = [self.server + start]
        while queue:
            url = queue.pop(0)
            endpoint = self.view(url)
            if endpoint is None or endpoint in self.seen or endpoint in self.tried:
                continue
            self.tried.add(endpoint)
            response = self.page.goto(url.split("#")[0])
            if response is None or not response.ok:
                self.problems.append(f"{url}: answered {response and response.status}")
                continue
            landed = self.view(self.page.url)  # a redirect (to a sign-in page, a month)
            if landed is None or landed in self.seen:
                continue
            self.seen.add(landed)
            self.checked.append(f"{urlsplit(self.page.url).path} ({landed})")
            self.check(landed, urlsplit(self.page.url).path)
            queue.extend(self.page.evaluate(LINKS))

    def check(self, endpoint: str, path: str) -> None:
        self.pages += 1
        self.page.add_script_tag(path=str(AXE))
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": HEIGHT})
            found = self.page.evaluate(CHECKS, width) + self.page.evaluate(AXE_RUN)
            self.problems.extend(
                f"{path} ({endpoint}) at {width} px: {what}: {element}" for what, element in found
            )
        self.page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})

    def sign_in_staff(self, username: str, password: str) -> None:
        self.page.goto(f"{self.server}/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="登录").click()
        assert urlsplit(self.page.url).path != "/login", username

    def look_up_card(self, shop_id: int, code: str) -> None:
        """At the counter, the card typed in: the pick page is the scanned card's."""
        self.page.goto(f"{self.server}/shops/{shop_id}/counter")
        self.page.get_by_label("积分卡").fill(code)
        with self.page.expect_navigation():
            self.page.get_by_label("积分卡").press("Enter")

    def sign_in_villager(self, phone: str, pin: str) -> None:
        self.page.goto(f"{self.server}/me/login")
        self.page.get_by_label("手机号").fill(phone)
        self.page.get_by_label("密码（6 位数字）").fill(pin)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(f"{self.server}/me")


def test_every_page_fits_small_phones_with_large_targets_and_text_and_passes_axe(
    browser, live_app, live_server, demo
):
    seen: set[str] = set()
    problems: list[str] = []
    opened: dict[str, int] = {}
    checked: list[str] = []

    def as_role(name, sign_in, *starts):
        walk = Walk(browser, live_app, live_server, seen, problems, checked)
        try:
            sign_in(walk)
            for start in starts or [urlsplit(walk.page.url).path]:  # where signing in led
                walk.walk(start)
        finally:
            walk.close()
        opened[name] = walk.pages

    village, household = demo["village_id"], demo["household_id"]
    as_role("card", lambda walk: None, f"/c/{demo['card_code']}")
    # The PIN page is the villager's, but reached from no link (signing in with a PIN the
    # admin set leads there).
    villager = lambda walk: walk.sign_in_villager(demo["phone"], demo["pin"])  # noqa: E731
    as_role("villager", villager, "/me", "/me/pin")
    for login in (VOLUNTEER_LEADER, SHOPKEEPER, VILLAGE_ADMIN, GLOBAL_ADMIN):
        as_role(
            login.username,
            lambda walk, login=login: walk.sign_in_staff(login.username, login.password),
        )
    # The counter's pick page, once a card is looked up.
    as_role(
        "counter",
        lambda walk: (
            walk.sign_in_staff(SHOPKEEPER.username, SHOPKEEPER.password),
            walk.look_up_card(demo["shop_id"], demo["card_code"]),
        ),
        f"/shops/{demo['shop_id']}/counter/pick",
    )
    # Pages a form leads to: a household found by its search, the card just issued.
    signed_in_admin = lambda walk: walk.sign_in_staff(  # noqa: E731
        VILLAGE_ADMIN.username, VILLAGE_ADMIN.password
    )
    as_role(
        "admin's forms",
        signed_in_admin,
        f"/leader/{village}/households/{household}",
        f"/households/{household}/card",
    )

    ARTIFACTS.mkdir(exist_ok=True)  # which pages were opened, for people to look at
    (ARTIFACTS / "small-phones-pages.txt").write_text("\n".join(checked) + "\n")
    assert problems == [], "\n".join(problems)
    # The walks really went round: each role opened pages of its own.
    staff = (VOLUNTEER_LEADER, SHOPKEEPER, VILLAGE_ADMIN)  # the global admin's are the admin's
    walks = ("card", "villager", *(s.username for s in staff), "counter", "admin's forms")
    assert all(opened[walk] for walk in walks), opened
    assert sum(opened.values()) >= 40, sorted(seen)
