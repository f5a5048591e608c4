"""A template's draft changed by several of the county's admins at once, and a version
adopted by several of a village's admins at once: real threads, real connections, real
commits (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.regions import service as regions
from pointsmart.rule_templates import adoption, drafting
from pointsmart.rule_templates.models import Adoption, TemplateEntry
from pointsmart.rules.models import Rule, RuleVersion
from tests.factories import ROOT, Factories
from tests.ledger.test_concurrency import run_at_once
from tests.rule_templates.conftest import ENTRIES

CLIENTS = 4


def _entry(code: str) -> dict:
    return {"code": code, "name": "门前三包", "category": "rule", "points": 10}


def test_saving_the_whole_list_at_once_keeps_one_list(fresh_app):
    """Each save replaces the draft's entries. On PostgreSQL saves at once each deleted the
    entries they saw and wrote theirs, and the draft held the lists of several saves, all
    answered 200; the template's row is now locked before the draft is read."""
    with fresh_app.app_context():
        make = Factories()
        county = regions.create_region(ROOT, name="安平县", level="county", parent_id=None)
        admins = [make.staff("county_admin", region=county) for _ in range(CLIENTS)]
        template = drafting.create_template(ROOT, county.id, title="细则", entries=[_entry("x")])
        db.session.commit()
        template_id = template.id

    def save(index):
        body = {"entries": [_entry(f"s{index}-{n}") for n in range(3)]}
        response = fresh_app.test_client().patch(
            f"/api/v1/rule-templates/{template_id}/draft", json=body, headers=admins[index].auth
        )
        return response.status_code

    outcomes = run_at_once(CLIENTS, save)

    assert outcomes == [200] * CLIENTS
    with fresh_app.app_context():
        codes = db.session.execute(sa.select(TemplateEntry.code)).scalars().all()
        assert len(codes) == 3
        assert len({code.split("-")[0] for code in codes}) == 1  # one save's list, whole


def test_adopting_at_once_answers_as_one_after_the_other(fresh_app):
    """Each adoption answers as it would after the others (the first makes the rules, the
    next give them new versions), as on SQLite. On PostgreSQL adoptions at once all planned
    new rules: all but one were refused 422 with "a rule with this code exists" beside a
    ``code`` the request never sent; the village's row is now locked before the plan."""
    with fresh_app.app_context():
        make = Factories()
        county = regions.create_region(ROOT, name="安平县", level="county", parent_id=None)
        township = regions.create_region(ROOT, name="城关镇", level="township", parent_id=county.id)
        village = make.village(name="幸福村", region_id=township.id)
        admins = [make.staff("admin", village) for _ in range(CLIENTS)]
        template = drafting.create_template(ROOT, county.id, title="细则", entries=ENTRIES)
        drafting.publish(ROOT, template.id)
        db.session.commit()
        template_id, village_id = template.id, village.id

    def adopt(index):
        response = fresh_app.test_client().post(
            f"/api/v1/villages/{village_id}/rule-template-adoptions",
            json={"template_id": template_id, "version": 1},
            headers=admins[index].auth,
        )
        return response.status_code

    outcomes = run_at_once(CLIENTS, adopt)

    assert outcomes == [201] * CLIENTS
    with fresh_app.app_context():
        codes = db.session.execute(sa.select(Rule.code)).scalars().all()
        assert sorted(codes) == sorted(entry["code"] for entry in ENTRIES)
        adoptions = db.session.execute(sa.select(sa.func.count()).select_from(Adoption))
        assert adoptions.scalar_one() == CLIENTS
        versions = db.session.execute(sa.select(RuleVersion.version)).scalars().all()
        assert sorted(versions) == sorted(list(range(1, CLIENTS + 1)) * len(ENTRIES))


def test_an_adoption_under_way_holds_up_no_posting_in_the_village(fresh_app):
    """Adopting takes the village's row so that adoptions take turns, but not as a posting's
    foreign key needs it: an award, whose transfer names the village, does not wait for it."""
    if fresh_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite locks the whole database for a writer, not rows")
    with fresh_app.app_context():
        make = Factories()
        county = regions.create_region(ROOT, name="安平县", level="county", parent_id=None)
        township = regions.create_region(ROOT, name="城关镇", level="township", parent_id=county.id)
        village = make.village(name="幸福村", region_id=township.id)
        household = make.household(village)
        template = drafting.create_template(ROOT, county.id, title="细则", entries=ENTRIES)
        drafting.publish(ROOT, template.id)
        db.session.commit()
        village_id, household_id, template_id = village.id, household.id, template.id
    # Would wait for the adoption's lock, and fail at once, if it conflicted with it.
    key_share = sa.text("SELECT id FROM villages WHERE id = :id FOR KEY SHARE NOWAIT")
    take_turns = sa.text("SELECT id FROM villages WHERE id = :id FOR NO KEY UPDATE NOWAIT")

    with fresh_app.test_request_context():
        adoption.adopt(ROOT, village_id, template_id, 1)  # its transaction stays open
        with db.engine.connect() as other:
            try:
                other.execute(key_share, {"id": village_id})
                other.rollback()
                with pytest.raises(sa.exc.OperationalError):  # LockNotAvailable
                    other.execute(take_turns, {"id": village_id})
            finally:
                other.rollback()
                db.session.rollback()
    with fresh_app.app_context():
        Factories().award(db.session.get(Household, household_id), 5)  # the row is free
        db.session.commit()
