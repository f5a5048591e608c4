"""Migration 0025: a household's phone, kept as typed on the admin's page, becomes its digits
when those are a mobile number; anything else stays for the committee to correct."""

import flask_migrate
import sqlalchemy as sa

from pointsmart.extensions import db
from tests.conftest import app_on_fresh_database
from tests.factories import Factories

TYPED = {
    "XF-1": ("138 0000 0002", "13800000002"),
    "XF-2": ("+86 138-0000-0003", "13800000003"),
    "XF-3": ("１３８００００００04", "13800000004"),
    "XF-4": ("13800000005", "13800000005"),
    "XF-5": ("0571-8888 6666", "0571-8888 6666"),  # a landline: no mobile, left as it is
    "XF-6": (None, None),
}


def test_0025_keeps_every_mobile_number_as_its_digits(tmp_path):
    with app_on_fresh_database(tmp_path) as app, app.app_context():
        make = Factories()
        village = make.village()
        for number in TYPED:
            make.household(village, number=number)
        db.session.commit()
        flask_migrate.downgrade(revision="0024")
        with db.engine.begin() as connection:
            for number, (typed, _kept) in TYPED.items():
                connection.execute(
                    sa.text("UPDATE households SET phone = :phone WHERE number = :number"),
                    {"phone": typed, "number": number},
                )

        flask_migrate.upgrade()

        with db.engine.connect() as connection:
            kept = dict(connection.execute(sa.text("SELECT number, phone FROM households")).all())
        assert kept == {number: phone for number, (_typed, phone) in TYPED.items()}
