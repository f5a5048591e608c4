"""The README's two commands on a fresh machine: `make test` sets up what its tests need or
says what it cannot, and `make run` serves on the port it is given."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pointsmart import create_app
from pointsmart.households.cards import card_url

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = "chromium fonts-noto-cjk poppler-utils"


def _bin_without_the_packages(tmp_path: Path) -> Path:
    """A PATH with the shell's usual tools but no apt-get, Chromium or poppler."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("id", "tr", "sed"):
        (folder / tool).symlink_to(shutil.which(tool))
    return folder


def test_make_test_names_the_packages_it_cannot_install_on_one_line(tmp_path):
    path = _bin_without_the_packages(tmp_path)

    result = subprocess.run(
        ["/bin/sh", "scripts/system-packages.sh"],
        cwd=ROOT,
        env={"PATH": str(path), "CHROMIUM_PATH": str(tmp_path / "no-chromium")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert "chromium" in lines[0]
    assert "poppler-utils" in lines[0]
    assert f"apt-get install {PACKAGES}" in lines[0]
    assert "skip" in lines[0]


def test_make_test_and_ci_set_up_the_system_packages_the_same_way():
    dry_run = subprocess.run(
        ["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    steps = dry_run.splitlines()

    setup = next(i for i, step in enumerate(steps) if "scripts/system-packages.sh" in step)
    suite = next(i for i, step in enumerate(steps) if step.endswith("/pytest"))
    assert setup < suite
    ci = (ROOT / ".ci" / "run").read_text()
    # CI needs nothing that `make test` does not do itself, and still runs both databases.
    assert "apt-get install" not in ci
    assert "make .venv/.installed-dev translations system-packages" in ci
    assert re.search(r"^make test-postgres\b.*&$", ci, re.MULTILINE)
    assert re.search(r"^make test \|\|", ci, re.MULTILINE)


def test_browser_and_pdf_tests_skip_with_the_packages_to_install_when_they_are_missing(
    tmp_path,
):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("POINTSMART_REQUIRE_SYSTEM_PACKAGES", "PYTEST_ADDOPTS")
        and not key.startswith("PYTEST_")
    }
    env["PATH"] = str(Path(sys.executable).parent)  # no pdftoppm, no pdftotext
    env["CHROMIUM_PATH"] = str(tmp_path / "no-chromium")

    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs",
            "tests/site/test_in_browser.py::test_the_home_page_fits_a_phone_in_large_type",
            "tests/reports/test_sheet.py::test_the_pdf_has_pages_with_the_head_hash_and_the_transfer_count",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 skipped" in result.stdout, result.stdout
    assert f"Chromium ({tmp_path / 'no-chromium'}) is not installed" in result.stdout
    assert "pdftoppm is not installed (poppler-utils)" in result.stdout
    assert result.stdout.count(f"apt-get install {PACKAGES} as root") == 2


def test_development_cards_point_at_the_port_make_run_serves(monkeypatch):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.setenv("FLASK_RUN_PORT", "8123")

    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:8123"
    with app.app_context():
        assert card_url("token") == "http://127.0.0.1:8123/c/token"
    # A server started by hand on another port: the cards it prints follow the request.
    with app.test_request_context("/", base_url="http://127.0.0.1:8200"):
        assert card_url("token") == "http://127.0.0.1:8200/c/token"


def test_development_serves_on_5000_unless_told_otherwise(monkeypatch):
    for name in ("PUBLIC_BASE_URL", "PORT", "FLASK_RUN_PORT"):
        monkeypatch.delenv(name, raising=False)

    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8124"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=True,
    ).stdout  # fmt: skip
    assert "FLASK_RUN_PORT=8124" in dry_run
    assert "http://127.0.0.1:8124" in dry_run


def test_an_explicit_address_wins_in_development_too(monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://jifen.example.cn")
    monkeypatch.setenv("FLASK_RUN_PORT", "8123")

    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    with app.test_request_context("/", base_url="http://127.0.0.1:8200"):
        assert card_url("token") == "https://jifen.example.cn/c/token"


def test_the_redis_tests_skip_with_the_reason_when_no_redis_answers(monkeypatch):
    from tests.system_packages import redis_url

    monkeypatch.delenv("POINTSMART_REQUIRE_SYSTEM_PACKAGES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="redis-server"):
        redis_url("redis://127.0.0.1:1/0")  # port 1: nothing listens there
    monkeypatch.setenv("POINTSMART_REQUIRE_SYSTEM_PACKAGES", "1")
    with pytest.raises(pytest.fail.Exception, match="redis-server"):
        redis_url("redis://127.0.0.1:1/0")
