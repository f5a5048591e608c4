"""What the browser, PDF and Redis tests need from the system, and what they do without it.

``make test`` installs Debian's ``chromium``, ``fonts-noto-cjk`` and ``poppler-utils`` when it
runs as root (``scripts/system-packages.sh``); elsewhere it says which are missing, and the
tests that need them skip with the same words. CI sets ``POINTSMART_REQUIRE_SYSTEM_PACKAGES``
so that a missing package fails there instead of passing unseen.

Redis is a service rather than a package: the tests of limits shared across workers need one
at 127.0.0.1:6379 (``TEST_REDIS_URL`` to use another); without it they skip the same way.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

PACKAGES = "chromium fonts-noto-cjk poppler-utils"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing(what: str, package: str):
    reason = f"{what} is not installed ({package}): apt-get install {PACKAGES} as root"
    if os.environ.get("POINTSMART_REQUIRE_SYSTEM_PACKAGES"):
        pytest.fail(reason)
    pytest.skip(reason)


def chromium() -> str:
    """The path of Debian's Chromium; skips the test (or fails it in CI) without it."""
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium ({CHROMIUM})", "chromium")
    return CHROMIUM


def poppler_tool(name: str) -> str:
    """The path of ``pdftoppm`` or ``pdftotext``; skips (or fails in CI) without poppler."""
    path = shutil.which(name)
    if not path:
        _missing(name, "poppler-utils")
    return path


def redis_url(url: str) -> str:
    """``url`` when a Redis answers there; skips the test (or fails it in CI) otherwise."""
    import redis

    connection = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        _missing(f"Redis at {url}", "redis-server, and running")
    finally:
        connection.close()
    return url
