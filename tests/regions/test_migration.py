"""Migration 0029: no two counties of one name; should two already share one, every one but
the first made gets its id after its name, and the index is made."""

import flask_migrate
import sqlalchemy as sa

from pointsmart.extensions import db
from tests.conftest import app_on_fresh_database


def test_0029_renames_a_second_county_of_one_name_and_then_refuses_one(tmp_path):
    with app_on_fresh_database(tmp_path) as app, app.app_context():
        flask_migrate.downgrade(revision="0028")
        with db.engine.begin() as connection:
            for _ in range(2):
                connection.execute(
                    sa.text(
                        "INSERT INTO regions (name, level, created_at) "
                        "VALUES ('平安县', 'county', CURRENT_TIMESTAMP)"
                    )
                )

        flask_migrate.upgrade()

        with db.engine.connect() as connection:
            names = connection.execute(sa.text("SELECT id, name FROM regions ORDER BY id")).all()
        (_first, kept), (second, renamed) = names
        assert (kept, renamed) == ("平安县", f"平安县 ({second})")
        with db.engine.connect() as connection:
            refused = connection.begin()
            try:
                connection.execute(
                    sa.text(
                        "INSERT INTO regions (name, level, created_at) "
                        "VALUES ('平安县', 'county', CURRENT_TIMESTAMP)"
                    )
                )
            except sa.exc.IntegrityError:
                pass
            else:
                raise AssertionError("a third 平安县 was kept")
            finally:
                refused.rollback()
