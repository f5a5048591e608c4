"""Migrations are the only way the schema changes, and they build exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate

from pointsmart.extensions import db


def test_upgrade_on_an_empty_database_gives_exactly_the_models_schema(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_there_is_one_head_revision(app):
    migrate: Migrate = app.extensions["migrate"].migrate
    with app.app_context():
        script = ScriptDirectory.from_config(migrate.get_config())
    assert len(script.get_heads()) == 1
