"""A bank on a fresh database of its own, with the production server (granian) serving it."""

from __future__ import annotations

import pytest

from tests.conftest import app_on_fresh_database
from tests.load.bank import build_scene
from tests.load.server import Server


@pytest.fixture
def bank(tmp_path):
    """(app, scene, server): the app for checking the database, the scene, the server."""
    with app_on_fresh_database(tmp_path) as app:
        scene = build_scene(app)
        server = Server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "server.log")
        try:
            server.start()
            yield app, scene, server
        finally:
            server.stop()
