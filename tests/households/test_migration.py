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


def test_0027_keeps_numbers_and_usernames_as_the_app_reads_them_unless_that_clashes(tmp_path):
    """Stored before the app read them so, these were not found as typed now: a number with
    Excel's minus sign, full-width digits, a username typed in full-width mode."""
    with app_on_fresh_database(tmp_path) as app, app.app_context():
        make = Factories()
        village, other = make.village(), make.village()
        typed = {  # placeholder number -> (village, as stored before, as kept now)
            "a": (village, "XF\u2212001", "XF-001"),
            "b": (village, "ＸＦ-００２", "XF-002"),
            "c": (village, "XF-003", "XF-003"),
            "d": (village, "XF\u2212003", "XF\u2212003"),  # would be XF-003: left to tell apart
            "e": (other, "XF\u2212003", "XF-003"),  # another village: no clash
        }
        for placeholder, (where, _before, _after) in typed.items():
            make.household(where, number=placeholder)
        names = {
            "u1": ("ｘｉａｏｌｉ", "xiaoli"),
            "u2": ("wang", "wang"),
            "u3": ("ｗａｎｇ", "ｗａｎｇ"),  # would be wang
        }
        staff = {placeholder: make.staff("admin", village).username for placeholder in names}
        db.session.commit()
        flask_migrate.downgrade(revision="0026")
        with db.engine.begin() as connection:
            for placeholder, (_where, before, _after) in typed.items():
                connection.execute(
                    sa.text("UPDATE households SET number = :before WHERE number = :placeholder"),
                    {"before": before, "placeholder": placeholder},
                )
            for placeholder, (before, _after) in names.items():
                connection.execute(
                    sa.text("UPDATE users SET username = :before WHERE username = :made"),
                    {"before": before, "made": staff[placeholder]},
                )

        flask_migrate.upgrade()

        with db.engine.connect() as connection:
            numbers = sorted(
                connection.execute(sa.text("SELECT village_id, number FROM households")).all()
            )
            usernames = set(connection.execute(sa.text("SELECT username FROM users")).scalars())
        assert numbers == sorted((where.id, after) for where, _before, after in typed.values())
        assert {after for _before, after in names.values()} <= usernames
