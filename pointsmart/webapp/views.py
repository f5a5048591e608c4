"""The web app manifests and the service worker.

* ``GET /manifest/counter.webmanifest`` and ``/manifest/me.webmanifest``: what a phone needs
  to put the counter (for a shopkeeper) or "my points" (for a villager) on its home screen;
  the name in the reader's language, the icons, and where the app opens.
* ``GET /sw.js``: the service worker. It sits at the site's root so that it may keep any page
  (a worker controls the paths under its own). It is a few lines made here (the hashed
  addresses of what to keep, the pages it may keep, the sign-out addresses) followed by the
  Workbox modules, ``static/js/service-worker.js`` (the code) and
  ``static/js/offline-sync-sw.js`` (the offline sales' Background Sync), all imported by their
  hashed names: a change to any of them changes this script, which is how browsers learn that
  a new worker is there. It is never cached for long (``no-cache``).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .static_files import static_manifest

bp = Blueprint("webapp", __name__)

BRAND = "#8f1d14"
WORKBOX = ("core", "routing", "strategies", "expiration", "cacheable-response", "precaching")
# Pages the worker keeps for a time with no network: the counter's scan page, the villager's
# own page and the card page (paths as regular expressions, tested against the whole path).
OFFLINE_PAGES = (r"^/shops/\d+/counter$", r"^/me$", r"^/c/[^/]+$")
# Kept on the phone in advance (they are small): what those pages and the camera use.
PRECACHED = (
    "site.css",
    "favicon.svg",
    "css/counter.css",
    "js/counter.js",
    "js/card-scanner.js",
    "js/installable.js",
    "vendor/jsqr/jsQR.min.js",
    "villager/villager.css",
    "villager/villager.js",
)
PRECACHED_PREFIXES = ("js/offline-",)  # the offline sales' modules, whatever they are named


def _static(name: str) -> str:
    return url_for("static", filename=name)


MANIFESTS = {
    "counter": ("counter_pages.counter_home", lambda: _("Points counter"), lambda: _("Counter")),
    "me": ("villagers.home", lambda: _("My points"), lambda: _("My points")),
}


@bp.route("/manifest/<any(counter, me):kind>.webmanifest")
def manifest(kind: str):
    start, name, short_name = MANIFESTS[kind]
    body = {
        "name": name(),
        "short_name": short_name(),
        "lang": "en" if get_locale().language == "en" else "zh-CN",
        "start_url": url_for(start),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": BRAND,
        "icons": [
            {"src": _static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": _static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": _static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


def worker_settings() -> dict:
    """What ``service-worker.js`` reads from ``self.POINTSMART``."""
    names = static_manifest(current_app).hashed
    precached = [
        name
        for name in names
        if name in PRECACHED or (name.startswith(PRECACHED_PREFIXES) and name.endswith(".js"))
    ]
    hashed = current_app.config["STATIC_HASHED"]
    return {
        "version": static_manifest(current_app).digest,
        "static_prefix": current_app.static_url_path.rstrip("/") + "/",
        # Hashed names never change, so they are kept until the worker's next version;
        # unhashed ones (development) are asked for again whenever there is a network.
        "precache": [_static(name) for name in precached] if hashed else [],
        "offline_pages": list(OFFLINE_PAGES),
        "sign_out": [url_for("accounts.logout"), url_for("villagers.logout")],
    }


@bp.route("/sw.js")
def service_worker():
    names = static_manifest(current_app).hashed
    scripts = [_static(f"vendor/workbox/workbox-{module}.prod.js") for module in WORKBOX]
    scripts.append(_static("js/service-worker.js"))
    lines = [
        "/* pointsmart's service worker: the settings, then the code (webapp/views.py). */",
        f"self.POINTSMART = {json.dumps(worker_settings())};",
        f"importScripts({', '.join(json.dumps(src) for src in scripts)});",
    ]
    if "js/offline-sync-sw.js" in names:
        # The offline sales' sync handler: optional, so an error in it never stops the rest.
        sync = json.dumps(_static("js/offline-sync-sw.js"))
        lines.append(
            f"try {{ importScripts({sync}); }} "
            'catch (error) { console.error("offline-sync-sw.js", error); }'
        )
    response = Response("\n".join(lines) + "\n", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response
