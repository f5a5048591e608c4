"""Browser tests: a real server on a database of its own, driven by Debian's Chromium.

Playwright's Python package drives ``/usr/bin/chromium`` (``CHROMIUM_PATH`` overrides); no
browser is ever downloaded. Without it the tests skip, naming the packages to install
(``tests.system_packages``). Screenshots go to ``test-artifacts/`` for people to look at.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


class AnsweredFromMemory:
    """Each answer read whole, and its iterable closed, before the server sends it; and a
    count of the answers still being made.

    Werkzeug's development server skips ``close()`` when the browser drops a connection in
    the middle of an answer (as Chromium does with a favicon), which leaves a static file
    open until the garbage collector warns about it (gunicorn closes it). Pages here are
    small, so nothing is lost by buffering them.

    Its ``shutdown()`` stops taking requests but does not wait for those being answered: a
    request the browser sent as the test ended (a service worker's fetch, a sync) could
    still hold a database connection when the test's database is dropped, and hand it back
    to a pool already disposed, where the garbage collector finds it open. ``wait_idle``
    waits for them, and ``close`` turns away (503, no database) a request whose thread the
    server had started but which reaches the app only after that wait began.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.busy = 0
        self.closed = False
        self.idle = threading.Condition()

    def close(self) -> None:
        with self.idle:
            self.closed = True

    def __call__(self, environ, start_response):
        with self.idle:
            if self.closed:
                start_response("503 Service Unavailable", [("Content-Length", "0")])
                return [b""]
            self.busy += 1
        try:
            iterable = self.wsgi_app(environ, start_response)
            try:
                return [b"".join(iterable)]
            finally:
                if hasattr(iterable, "close"):
                    iterable.close()
        finally:
            with self.idle:
                self.busy -= 1
                self.idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.busy == 0, timeout=timeout)


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` on a free local port; its address."""
    answering = AnsweredFromMemory(app)
    server = make_server("127.0.0.1", 0, answering, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        answering.close()
        assert answering.wait_idle(timeout=10), "a request was still being answered"


@pytest.fixture
def live_server(live_app):
    """Serve ``live_app`` for the length of the test."""
    with serving(live_app) as address:
        yield address


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
