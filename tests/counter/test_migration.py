"""Migration 0005 goes down and up again cleanly, and stock moves are append-only."""

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pointsmart.counter import goods
from pointsmart.extensions import db
from tests.conftest import app_on_fresh_database
from tests.factories import Factories


def schema_differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_0005_downgrades_and_upgrades_again_to_the_models_schema(tmp_path):
    with app_on_fresh_database(tmp_path) as app, app.app_context():
        flask_migrate.downgrade(revision="0004")
        tables = sa.inspect(db.engine).get_table_names()
        assert "products" not in tables
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("households")}
        assert "pin_hash" not in columns
        flask_migrate.upgrade()
        db.engine.dispose()
        assert schema_differences() == []


def test_stock_moves_are_append_only_and_new_checks_hold(fresh_app):
    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        shop = make.shop(village)
        make.household(village)
        admin = make.staff("admin", village).principal
        goods.create_product(admin, shop.id, name="香皂", points_price=20, stock=3)
        db.session.commit()
        for statement in ("UPDATE stock_moves SET delta = 5", "DELETE FROM stock_moves"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        for statement in (
            "UPDATE villages SET pin_required_above = -1",
            "UPDATE households SET pin_failed_attempts = -1",
            "UPDATE products SET stock = -1",
        ):
            with pytest.raises(sa.exc.IntegrityError):
                db.session.execute(sa.text(statement))
            db.session.rollback()
