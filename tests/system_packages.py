"""What the browser and PDF tests need from the system, and what they do without it.

``make test`` installs Debian's ``chromium``, ``fonts-noto-cjk`` and ``poppler-utils`` when it
runs as root (``scripts/system-packages.sh``); elsewhere it says which are missing, and the
tests that need them skip with the same words. CI sets ``POINTSMART_REQUIRE_SYSTEM_PACKAGES``
so that a missing package fails there instead of passing unseen.
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
