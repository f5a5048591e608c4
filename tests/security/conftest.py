"""The demo village and its matrix of roles, built once for all the security tests."""

import pytest

from tests.conftest import app_on_fresh_database
from tests.security.matrix import isolated
from tests.security.seed import build_world


@pytest.fixture(scope="package")
def world_app(tmp_path_factory):
    """``(app, world, begin)``: an app on a database holding the seeded world (CSRF off: the
    pages' permission checks are what is asked), and ``begin`` for one isolated request."""
    uploads = tmp_path_factory.mktemp("roster-uploads")
    with app_on_fresh_database(
        tmp_path_factory.mktemp("matrix"), WTF_CSRF_ENABLED=False, ROSTER_UPLOAD_DIR=str(uploads)
    ) as app:
        with app.app_context():
            world = build_world()
        with isolated(app) as begin:
            yield app, world, begin
