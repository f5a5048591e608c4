"""Static files: compressed, and cached for a year under content-hashed names (WhiteNoise).

Each file in the static folder is named by its content: ``js/counter.js`` is also
``js/counter.3f2a1b9c0d4e.js`` (the first 12 hex digits of its SHA-256), and a
``url_defaults`` hook makes ``url_for('static', filename='js/counter.js')`` give that name, so
templates need nothing else. A changed file gets a new name, so a browser keeps each hashed
name for a year without asking again (``Cache-Control: max-age=31536000, public, immutable``).

WhiteNoise serves the files before Flask sees the request, each in the encoding the browser
accepts. It needs the gzip and Brotli forms on disk beside each file: at start the app copies
the static folder into ``<instance>/static-build/<digest of all the files>/`` and compresses
each copy there with WhiteNoise's own ``Compressor``. The copy is made once per content: the
next start (another worker, the next test run) finds it made. WhiteNoise's own hashing is a
Django storage (``CompressedManifestStaticFilesStorage``), which a Flask app cannot use, and
flask-static-digest writes its digested copies into the source tree when someone remembers to
run its command (and serves stale copies when nobody did); copies named from what is on disk
at start cannot go stale.

The original names are served too, with a short lifetime (``max-age=60``), for addresses
written outside templates.

In development (``POINTSMART_ENV=development``, ``make run``) Flask serves the files as they
are on disk, under their own names and revalidated on every load, so an edited file shows at
the next reload. ``STATIC_HASHED`` (True or False) overrides that choice.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

ONE_YEAR = 365 * 24 * 60 * 60
UNHASHED_MAX_AGE = 60
HASH_LENGTH = 12
BUILD_FOLDER = "static-build"
KEPT_BUILDS = 3  # older copies are removed; a worker still running an old one keeps it open


@dataclass(frozen=True)
class StaticManifest:
    """The static folder's files: ``hashed`` maps each name (``js/counter.js``) to its
    content-hashed name; ``digest`` names the whole set (it changes when any file does)."""

    hashed: dict[str, str]
    digest: str

    def url_name(self, name: str) -> str:
        return self.hashed.get(name, name)


def hashed_name(name: str, content: bytes) -> str:
    """``js/counter.js`` -> ``js/counter.<12 hex digits of SHA-256>.js``."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    base, extension = posixpath.splitext(name)
    return f"{base}.{digest}{extension}"


def read_manifest(folder: Path) -> StaticManifest:
    hashed = {}
    whole = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        name = path.relative_to(folder).as_posix()
        hashed[name] = hashed_name(name, path.read_bytes())
        whole.update(f"{name}\0{hashed[name]}\0".encode())
    return StaticManifest(hashed=hashed, digest=whole.hexdigest()[:HASH_LENGTH])


def build_copy(folder: Path, manifest: StaticManifest, builds: Path) -> Path:
    """The static folder copied with each file's gzip and Brotli forms, made once per content.

    Made in a temporary folder and renamed into place, so a copy is whole or absent: two
    processes starting at once both build, one rename wins and the other's copy is dropped.
    """
    target = builds / manifest.digest
    if target.is_dir():
        return target
    builds.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=builds))
    try:
        shutil.copytree(folder, work, dirs_exist_ok=True)
        compressor = Compressor(quiet=True)
        for name in manifest.hashed:
            if compressor.should_compress(name):
                compressor.compress(str(work / name))
        try:
            work.rename(target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _remove_old_copies(builds, keep=target)
    return target


def _remove_old_copies(builds: Path, keep: Path) -> None:
    copies = sorted(
        (path for path in builds.iterdir() if path.is_dir() and not path.name.startswith(".")),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for old in copies[KEPT_BUILDS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


class StaticFiles(WhiteNoise):
    """WhiteNoise with the year the site promises (its own "forever" is ten)."""

    FOREVER = ONE_YEAR


def _no_sniffing(headers, path, url) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def init_app(app: Flask) -> StaticManifest:
    """Read the static folder; outside development serve it hashed, compressed and cached."""
    folder = Path(app.static_folder)
    manifest = read_manifest(folder)
    app.extensions["static_manifest"] = manifest
    hashed = app.config.get("STATIC_HASHED")
    if hashed is None:
        hashed = app.config["ENV_NAME"] != "development"
    app.config["STATIC_HASHED"] = hashed
    if not hashed:
        return manifest

    copy = build_copy(folder, manifest, Path(app.instance_path) / BUILD_FOLDER)
    prefix = app.static_url_path.rstrip("/") + "/"
    hashed_urls = {prefix + name for name in manifest.hashed.values()}
    files = StaticFiles(
        app.wsgi_app,
        max_age=UNHASHED_MAX_AGE,
        immutable_file_test=lambda path, url: url in hashed_urls,
        add_headers_function=_no_sniffing,
    )
    for name, hashed_as in manifest.hashed.items():
        path = os.path.join(copy, name)
        files.add_file_to_dictionary(prefix + name, path)
        files.add_file_to_dictionary(prefix + hashed_as, path)
    app.wsgi_app = files

    @app.url_defaults
    def hashed_static_names(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.url_name(values["filename"])

    return manifest


def static_manifest(app: Flask) -> StaticManifest:
    return app.extensions["static_manifest"]
