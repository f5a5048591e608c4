"""The demo village and its matrix of roles, built once for all the security tests."""

import contextlib

import pytest

from pointsmart import clock
from tests.conftest import app_on_fresh_database
from tests.security.matrix import isolated
from tests.security.seed import build_world


@contextlib.contextmanager
def app_with_world(tmp_path_factory, name: str):
    """``(app, world)``: an app on a fresh database holding the seeded world, committed (CSRF
    off: the pages' permission checks are what is asked); ``world.seeded_at`` is its moment."""
    uploads = tmp_path_factory.mktemp("roster-uploads")
    with app_on_fresh_database(
        tmp_path_factory.mktemp(name), WTF_CSRF_ENABLED=False, ROSTER_UPLOAD_DIR=str(uploads)
    ) as app:
        seeded_at = clock.utcnow()
        with app.app_context(), clock.historical(seeded_at):
            world = build_world()
        world.seeded_at = seeded_at
        yield app, world


@pytest.fixture(scope="package")
def world_app(tmp_path_factory):
    """``(app, world, begin)``: the world's app, and ``begin`` for one isolated request."""
    with app_with_world(tmp_path_factory, "matrix") as (app, world), isolated(app) as begin:
        yield app, world, begin
