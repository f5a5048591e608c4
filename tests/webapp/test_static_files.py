"""Static files: content-hashed names, compressed, cached for a year; plain in development."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest

from pointsmart import create_app
from pointsmart.webapp.static_files import build_copy, read_manifest
from tests.conftest import TEST_SECRET
from tests.site.pages import Page

STATIC = Path(__file__).resolve().parents[2] / "pointsmart" / "static"
HASHED = re.compile(r"^/static/(?P<name>.+)\.(?P<hash>[0-9a-f]{12})(?P<ext>\.[a-z0-9]+)$")
ONE_YEAR = "max-age=31536000, public, immutable"


def hashed_assets(html: str) -> list[str]:
    return [url for url in Page(html).assets if url.startswith("/static/")]


def test_every_static_address_on_a_page_has_its_content_hash(client):
    html = client.get("/").get_data(as_text=True)

    assets = hashed_assets(html)
    assert assets  # the stylesheet and the icon at least
    for url in assets:
        match = HASHED.match(url)
        assert match, url
        source = STATIC / f"{match['name']}{match['ext']}"
        assert match["hash"] in read_manifest(STATIC).hashed[source.relative_to(STATIC).as_posix()]


def test_a_hashed_name_is_cached_for_a_year_and_sent_compressed(client):
    url = next(u for u in hashed_assets(client.get("/").get_data(as_text=True)) if "site." in u)
    original = (STATIC / "site.css").read_bytes()

    plain = client.get(url)
    as_gzip = client.get(url, headers={"Accept-Encoding": "gzip"})
    as_brotli = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})

    for response in (plain, as_gzip, as_brotli):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == ONE_YEAR
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype == "text/css"
    assert plain.data == original
    assert as_gzip.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(as_gzip.data) == original
    assert as_brotli.headers["Content-Encoding"] == "br"
    assert brotli.decompress(as_brotli.data) == original
    assert len(as_brotli.data) < len(as_gzip.data) < len(original) / 2
    for response in (plain, as_gzip, as_brotli):
        response.close()


def test_the_original_name_still_answers_briefly_cached(client):
    response = client.get("/static/site.css")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=60, public"
    assert "immutable" not in response.headers["Cache-Control"]
    response.close()


@pytest.mark.parametrize("path", ["/", "/login", "/me/login", "/api/v1/docs"])
def test_no_page_names_a_static_file_that_a_browser_must_ask_for_again(client, path):
    """What a phone on a weak network gains: a second visit asks for no asset at all."""
    html = client.get(path).get_data(as_text=True)
    for url in hashed_assets(html):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == ONE_YEAR, url
        response.close()


def test_the_api_reference_loads_redoc_by_its_hashed_name(client):
    response = client.get("/api/v1/docs")
    [redoc] = [url for url in Page(response.get_data(as_text=True)).assets if "redoc" in url]

    assert HASHED.match(redoc)
    script = client.get(redoc, headers={"Accept-Encoding": "br"})
    assert script.headers["Content-Encoding"] == "br"
    assert script.headers["Cache-Control"] == ONE_YEAR
    script.close()


def test_the_compressed_copy_is_made_once_per_content(tmp_path):
    folder = tmp_path / "static"
    (folder / "js").mkdir(parents=True)
    (folder / "js" / "a.js").write_text("var a = 1;\n" * 200)
    builds = tmp_path / "builds"

    first = build_copy(folder, read_manifest(folder), builds)
    made = (first / "js" / "a.js.gz").stat().st_mtime_ns
    again = build_copy(folder, read_manifest(folder), builds)
    (folder / "js" / "a.js").write_text("var a = 2;\n" * 200)
    changed = read_manifest(folder)
    second = build_copy(folder, changed, builds)

    assert again == first
    assert (first / "js" / "a.js.gz").stat().st_mtime_ns == made
    assert second != first
    assert (second / "js" / "a.js.br").is_file()
    assert changed.hashed["js/a.js"].startswith("js/a.")
    assert changed.hashed["js/a.js"] != "js/a.js"
    assert [p.name for p in builds.iterdir() if p.name.startswith(".")] == []


@pytest.fixture
def development_app(tmp_path):
    return create_app(
        {
            "ENV_NAME": "development",
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.db'}",
        }
    )


def test_in_development_flask_serves_the_files_as_they_are(development_app):
    client = development_app.test_client()

    html = client.get("/").get_data(as_text=True)
    response = client.get("/static/site.css")

    assert "/static/site.css" in Page(html).assets
    assert not any(HASHED.match(url) for url in hashed_assets(html))
    assert response.status_code == 200
    assert "no-cache" in response.headers["Cache-Control"]
    assert response.data == (STATIC / "site.css").read_bytes()
    response.close()
