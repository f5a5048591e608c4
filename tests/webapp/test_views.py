"""The web app manifests and the service worker script."""

from __future__ import annotations

import json
import re

import pytest

from tests.webapp.test_static_files import HASHED


@pytest.mark.parametrize(
    ("kind", "start", "name"), [("counter", "/counter", "积分兑换台"), ("me", "/me", "我的积分")]
)
def test_a_manifest_puts_the_app_on_the_home_screen(client, kind, start, name):
    response = client.get(f"/manifest/{kind}.webmanifest")
    manifest = json.loads(response.get_data(as_text=True))

    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    assert manifest["name"] == name
    assert manifest["start_url"] == start
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "zh-CN"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert HASHED.match(icon["src"])
        image = client.get(icon["src"])
        assert image.status_code == 200
        assert image.mimetype == "image/png"
        image.close()


def test_the_manifest_speaks_english_on_request(client):
    manifest = client.get("/manifest/counter.webmanifest?lang=en").get_json(force=True)

    assert manifest["name"] == "Points counter"
    assert manifest["lang"] == "en"


def test_the_service_worker_imports_workbox_its_code_and_the_offline_sync(client):
    response = client.get("/sw.js")
    script = response.get_data(as_text=True)
    imported = re.findall(r'"(/static/[^"]+)"', script)

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert [HASHED.match(url)["name"] for url in imported[-8:]] == [
        "vendor/workbox/workbox-core.prod",
        "vendor/workbox/workbox-routing.prod",
        "vendor/workbox/workbox-strategies.prod",
        "vendor/workbox/workbox-expiration.prod",
        "vendor/workbox/workbox-cacheable-response.prod",
        "vendor/workbox/workbox-precaching.prod",
        "js/service-worker",
        "js/offline-sync-sw",
    ]
    optional = r"try \{ importScripts\(\"/static/js/offline-sync-sw\.[0-9a-f]{12}\.js\"\); \}"
    assert re.search(optional, script)
    for url in imported:
        asset = client.get(url)
        assert asset.status_code == 200, url
        asset.close()


def test_the_service_worker_keeps_the_counter_and_the_villagers_pages(client):
    script = client.get("/sw.js").get_data(as_text=True)
    settings = json.loads(re.search(r"self\.POINTSMART = (\{.*\});", script)[1])
    precached = [HASHED.match(url)["name"] for url in settings["precache"]]

    assert {"js/counter", "js/card-scanner", "vendor/jsqr/jsQR.min", "site"} <= set(precached)
    assert "vendor/redoc/redoc.standalone" not in precached
    pages = [re.compile(pattern) for pattern in settings["offline_pages"]]
    for path in ("/shops/3/counter", "/me", "/c/abc.def"):
        assert any(pattern.search(path) for pattern in pages), path
    for path in ("/shops/3/counter/card", "/me/login", "/admin", "/"):
        assert not any(pattern.search(path) for pattern in pages), path
    assert settings["sign_out"] == ["/logout", "/me/logout"]
