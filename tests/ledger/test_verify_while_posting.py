"""Verify and rebuild stay right while the counters keep posting (PostgreSQL, READ COMMITTED).

SQLite needs no such care: a read transaction there is one snapshot, and a rebuild holds the
single write lock.
"""

import threading

import pytest
import sqlalchemy as sa

from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Account
from pointsmart.ledger.rebuild import rebuild_village
from pointsmart.ledger.verify import _consistent_reads, verify_village
from tests.factories import Factories


@pytest.fixture
def posting_village(fresh_app):
    with fresh_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("READ COMMITTED races exist on PostgreSQL only")
        make = Factories()
        village = make.village()
        household = make.household(village)
        make.award(household, 10)
        db.session.commit()
        return village.id, household.id


def post_from_another_connection(app, village_id, household_id, points=7):
    def post():
        with app.app_context():
            ledger.award(village_id, household_id, points, category="red")
            db.session.commit()

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def test_verify_reads_one_moment_even_when_a_post_lands_midway(fresh_app, posting_village):
    village_id, household_id = posting_village
    balance = sa.select(Account.balance).where(Account.household_id == household_id)

    with fresh_app.app_context(), _consistent_reads() as execute:
        before = execute(balance).scalar_one()
        post_from_another_connection(fresh_app, village_id, household_id).join()
        during = execute(balance).scalar_one()

    assert (before, during) == (10, 10)
    with fresh_app.app_context():
        assert verify_village(village_id).ok


def test_a_rebuild_never_overwrites_a_post_that_lands_during_it(fresh_app, posting_village):
    village_id, household_id = posting_village

    def rebuild():
        with fresh_app.app_context():
            rebuild_village(village_id)
            db.session.commit()

    with fresh_app.app_context():
        ledger.award(village_id, household_id, 7, category="red")  # in flight, not committed
        rebuilder = threading.Thread(target=rebuild)
        rebuilder.start()
        rebuilder.join(timeout=1)
        assert rebuilder.is_alive()  # the rebuild waits for the post instead of racing it
        db.session.commit()
    rebuilder.join(timeout=10)

    with fresh_app.app_context():
        assert ledger.account_balance(village_id, f"household:{household_id}") == 17
        report = verify_village(village_id)
        assert report.ok, report.problems
