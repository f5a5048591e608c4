"""``flask users create --role county_admin|township_admin --region ID``."""

from __future__ import annotations

from pointsmart.accounts.service import load_principal
from pointsmart.extensions import db
from pointsmart.regions import service as regions
from pointsmart.villages import service as villages
from tests.factories import ROOT


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_the_command_line_makes_county_and_township_admins(fresh_app):
    with fresh_app.app_context():
        county = regions.create_region(ROOT, name="安平县", level="county", parent_id=None)
        township = regions.create_region(ROOT, name="城关镇", level="township", parent_id=county.id)
        village = villages.create_village(ROOT, name="幸福村", region_id=township.id)
        ids = county.id, township.id, village.id
        db.session.commit()
    county_id, township_id, village_id = ids

    made = _run(
        fresh_app,
        "users",
        "create",
        "anping",
        "--role",
        "county_admin",
        "--region",
        str(county_id),
        "--password",
        "county-pass-1",
    )
    assert made.exit_code == 0, made.output
    assert "created county_admin anping" in made.output
    assert f"region {county_id}" in made.output

    wrong = _run(
        fresh_app,
        "users",
        "create",
        "chengguan",
        "--role",
        "township_admin",
        "--region",
        str(county_id),
        "--password",
        "township-pass-1",
    )
    assert wrong.exit_code != 0
    made = _run(
        fresh_app,
        "users",
        "create",
        "chengguan",
        "--role",
        "township_admin",
        "--region",
        str(township_id),
        "--password",
        "township-pass-1",
    )
    assert made.exit_code == 0, made.output

    with fresh_app.app_context():
        from pointsmart.accounts.service import get_user

        county_admin = load_principal(get_user("anping").id)
        township_admin = load_principal(get_user("chengguan").id)
        assert county_admin.county_regions == {county_id}
        assert county_admin.region_villages == {village_id}
        assert township_admin.township_regions == {township_id}
        assert township_admin.is_reader_of(village_id)
        assert not township_admin.is_admin_of(village_id)


def test_rebuilding_a_village_that_is_not_there_is_refused(fresh_app):
    """``flask regions rebuild --village ID`` of no village: a refusal (exit 2) that names
    it, not a traceback; ``--village 0`` is no village either, not every village."""
    with fresh_app.app_context():
        villages.create_village(ROOT, name="幸福村")
        db.session.commit()
    for missing in ("999", "0", "99999999999999999999"):
        result = _run(fresh_app, "regions", "rebuild", "--village", missing)
        assert result.exit_code == 2, (missing, result.output, result.exception)
        assert "village" in result.output.lower() or "村" in result.output, result.output
        assert "rebuilt" not in result.output
