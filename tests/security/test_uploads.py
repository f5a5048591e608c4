"""Uploaded photos (goods in the counter, red and black entries in awards) are judged by their
content, never by their name or declared type; they are size-limited (a request over the app's
limit is a 413 problem); and what is served back is always a re-encoded picture sent as
``image/*`` with ``nosniff``, a sandboxing policy and ``Content-Disposition: inline``.
"""

from __future__ import annotations

import io
import os
from contextlib import contextmanager

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from pointsmart.accounts.auth import SESSION_TOKEN_KEY
from tests.security.seed import png

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
# A real picture with a page glued to its end: browsers that sniff could run the tail.
POLYGLOT = png((40, 30)) + HTML
DISGUISES = {"html": HTML, "svg": SVG, "truncated-png": png((64, 64))[:60]}


@contextmanager
def signed_in_as(world_app, role: str):
    """A function sending requests as ``role``; everything they change is rolled back."""
    app, world, begin = world_app
    undo = begin()
    try:
        client = app.test_client()
        token = world.token(role)
        if token:
            with client.session_transaction() as session:
                session[SESSION_TOKEN_KEY] = token

        def send(method: str, path: str, **kwargs):
            api = token and path.startswith("/api/")
            headers = {"Authorization": f"Bearer {token}"} if api else {}
            return client.open(path, method=method, headers=headers, **kwargs)

        yield send, world.params
    finally:
        undo()


def upload(data: bytes, name: str = "photo.jpg", **fields: str) -> dict:
    """A multipart body with ``data`` as the file ``photo`` (declared a JPEG), built in memory
    (the test client would spool a large one to a temporary file it never closes)."""
    photo = FileStorage(io.BytesIO(data), filename=name, content_type="image/jpeg")
    boundary, body = encode_multipart({**fields, "photo": photo})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


@pytest.mark.parametrize("content", DISGUISES.values(), ids=DISGUISES.keys())
def test_a_jpg_that_is_not_a_picture_is_refused_by_the_api(world_app, content):
    with signed_in_as(world_app, "shop") as (send, p):
        refused = send("PUT", f"/api/v1/products/{p['product_id']}/photo", **upload(content))

    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["code"] == "photo_rejected"


@pytest.mark.parametrize("content", DISGUISES.values(), ids=DISGUISES.keys())
def test_a_jpg_that_is_not_a_picture_is_refused_by_the_goods_page(world_app, content):
    with signed_in_as(world_app, "shop") as (send, p):
        before = send("GET", f"/api/v1/products/{p['product_id']}/photo").data
        refused = send("POST", f"/products/{p['product_id']}/photo", **upload(content))
        after = send("GET", f"/api/v1/products/{p['product_id']}/photo").data

    assert refused.status_code == 422
    assert refused.mimetype == "text/html"
    assert "这张照片无法使用" in refused.get_data(as_text=True)
    assert after == before


@pytest.mark.parametrize("content", DISGUISES.values(), ids=DISGUISES.keys())
def test_a_jpg_that_is_not_a_picture_is_refused_with_a_red_list_entry(world_app, content):
    with signed_in_as(world_app, "adm") as (send, p):
        path = f"/leader/{p['village_id']}/households/{p['household_id']}/board-entry"
        form = {"rule_id": p["board_rule_id"], "reason": "拾金不昧", "form_key": "upload-test"}
        refused = send("POST", path, **upload(content, **form))
        board = send("GET", f"/api/v1/villages/{p['village_id']}/board-entries").get_json()

    assert refused.status_code == 422
    assert "拾金不昧" not in {entry["reason"] for entry in board["items"]}


def test_a_request_over_the_size_limit_is_a_413_problem(world_app):
    too_big = os.urandom(5 * 1024 * 1024)  # the app takes at most 4 MB in one request
    with signed_in_as(world_app, "shop") as (send, p):
        api = send("PUT", f"/api/v1/products/{p['product_id']}/photo", **upload(too_big))
        page = send("POST", f"/products/{p['product_id']}/photo", **upload(too_big))

    assert api.status_code == 413
    assert api.mimetype == "application/problem+json"
    assert api.get_json()["code"] == "payload_too_large"
    assert page.status_code == 413
    assert page.mimetype == "text/html"


def test_a_picture_over_the_photo_limit_is_refused(world_app):
    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
    big = io.BytesIO()
    noise.save(big, "PNG")
    assert 2 * 1024 * 1024 < big.tell() < 4 * 1024 * 1024
    with signed_in_as(world_app, "shop") as (send, p):
        refused = send("PUT", f"/api/v1/products/{p['product_id']}/photo", **upload(big.getvalue()))

    assert refused.status_code == 422
    assert refused.get_json()["code"] == "photo_rejected"


def assert_served_as_a_picture(response, mimetype: str) -> None:
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Content-Disposition"].startswith("inline")
    assert b"<script" not in response.data
    assert b"<html" not in response.data
    Image.open(io.BytesIO(response.data)).verify()


def test_a_picture_with_a_page_glued_on_is_stored_as_a_clean_jpeg(world_app):
    with signed_in_as(world_app, "shop") as (send, p):
        stored = send(
            "PUT", f"/api/v1/products/{p['product_id']}/photo", **upload(POLYGLOT, "x.html")
        )
        from_api = send("GET", f"/api/v1/products/{p['product_id']}/photo")
        from_page = send("GET", f"/products/{p['product_id']}/photo.jpg")

    assert stored.status_code == 200
    assert_served_as_a_picture(from_api, "image/jpeg")
    assert_served_as_a_picture(from_page, "image/jpeg")
    assert from_api.data[:3] == b"\xff\xd8\xff"


def test_a_red_list_photo_is_served_as_a_picture(world_app):
    with signed_in_as(world_app, "anon") as (send, p):
        served = send("GET", f"/board-photos/{p['entry_id']}")

    assert_served_as_a_picture(served, "image/png")
