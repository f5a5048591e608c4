"""Browser tests: a real server on a database of its own, driven by Debian's Chromium.

Playwright's Python package drives ``/usr/bin/chromium`` (``CHROMIUM_PATH`` overrides); no
browser is ever downloaded. Without it the tests skip, naming the packages to install
(``tests.system_packages``). Screenshots go to ``test-artifacts/`` for people to look at.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import app_on_fresh_database
from tests.system_packages import chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_app(tmp_path):
    with app_on_fresh_database(tmp_path, WTF_CSRF_ENABLED=True) as app:
        yield app


def answered_from_memory(wsgi_app):
    """Each answer read whole, and its iterable closed, before the server sends it.

    Werkzeug's development server skips ``close()`` when the browser drops a connection in
    the middle of an answer (as Chromium does with a favicon), which leaves a static file
    open until the garbage collector warns about it (gunicorn closes it). Pages here are
    small, so nothing is lost by buffering them.
    """

    def app(environ, start_response):
        iterable = wsgi_app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return app


@pytest.fixture
def live_server(live_app):
    """Serve ``live_app`` on a free local port for the length of the test."""
    server = make_server("127.0.0.1", 0, answered_from_memory(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page in Chinese."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
