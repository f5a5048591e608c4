"""The public pages in a real browser (Debian's Chromium through Playwright, never downloaded):
they load nothing from other hosts, fit a phone screen and keep text and targets large.

The browser runs in a thread of its own and records what it saw; the tests then check the
record. Playwright's sync API refuses to start in a thread that already runs one (the
browser of tests/e2e stays open for the whole session), so this module never shares one.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import app_on_fresh_database
from tests.system_packages import chromium

PHONE = {"width": 360, "height": 740}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_on_fresh_database(tmp_path_factory.mktemp("browser")) as app:
        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_port}"
        finally:
            httpd.shutdown()
            thread.join(timeout=5)
            httpd.server_close()


@pytest.fixture(scope="module")
def seen(server) -> dict:
    """What the browser saw on the pages, recorded in a thread with its own Playwright."""
    executable = chromium()
    record: dict = {}
    failure: list[BaseException] = []

    def visit():
        try:
            _visit(server, executable, record)
        except BaseException as error:  # handed to the test thread below
            failure.append(error)

    thread = threading.Thread(target=visit)
    thread.start()
    thread.join(timeout=120)
    if failure:
        raise failure[0]
    assert not thread.is_alive(), "the browser did not finish in time"
    return record


def _visit(server: str, executable: str, record: dict) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            phone = browser.new_context(
                viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN"
            )
            page = phone.new_page()
            page.set_default_timeout(15_000)
            elsewhere: list[str] = []

            def only_ours(route):
                url = route.request.url
                if url.startswith((server, "blob:", "data:")):
                    route.continue_()
                else:
                    elsewhere.append(url)
                    route.abort()

            page.route("**/*", only_ours)
            page.goto(server + "/")
            record["home"] = {
                "h1": page.locator("h1").inner_text(),
                "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
                "font_size": page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"),
                "targets": page.eval_on_selector_all(
                    "a, button",
                    "els => els.map(e => [e.textContent.trim(), e.getBoundingClientRect().height])",
                ),
                "elsewhere": list(elsewhere),
            }
            elsewhere.clear()
            page.goto(server + "/api/v1/docs")
            page.wait_for_selector("h1")
            record["docs"] = {"h1": page.locator("h1").first.inner_text(), "elsewhere": elsewhere}
            phone.close()

            no_script = browser.new_context(java_script_enabled=False, locale="zh-CN")
            page = no_script.new_page()
            page.goto(server + "/")
            page.get_by_role("link", name="English").click()
            record["switched"] = {"h1": page.locator("h1").inner_text(), "url": page.url}
            no_script.close()
        finally:
            browser.close()


def test_the_home_page_fits_a_phone_in_large_type(seen):
    home = seen["home"]

    assert home["h1"] == "积分超市"
    assert home["scroll_width"] <= PHONE["width"]
    assert home["font_size"] >= 18
    small = [(text, height) for text, height in home["targets"] if height < 48]
    assert small == []
    assert home["elsewhere"] == []


def test_the_language_switch_works_without_javascript(seen, server):
    assert seen["switched"] == {"h1": "Points Supermarket", "url": server + "/"}


def test_the_api_docs_render_with_our_own_redoc_only(seen):
    assert "pointsmart" in seen["docs"]["h1"]
    assert seen["docs"]["elsewhere"] == []
