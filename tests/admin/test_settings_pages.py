"""Village settings and grids on the admin pages: each change saved and audited."""

from __future__ import annotations

from decimal import Decimal

from pointsmart.extensions import db
from pointsmart.villages.models import Grid, Village
from tests.admin.conftest import count_entries, last_changes, last_entry

SETTINGS = {
    "name": "幸福新村",
    "timezone": "Asia/Urumqi",
    "yuan_per_point": "0.25",
    "approval_threshold": "80",
    "leader_monthly_quota": "500",
    "black_board_days": "15",
    "red_board_days": "60",
    "pin_required_above": "100",
    "mask_names": "on",
    "year_end_clearing": "on",
}


def test_the_admin_home_lists_the_villages_and_their_pages(pages, office):
    html = pages.as_(office.admin).get("/admin")
    assert "幸福村" in html
    assert "隔壁村" not in html
    vid = office.village.id
    for page in ("audit", "import"):
        assert f"/admin/villages/{vid}/{page}" in html
    for page in ("reports", "reports/sheet.pdf", "exports"):
        assert f"/villages/{vid}/{page}" in html
    for page in (f"/leader/{vid}", f"/board/{vid}", f"/board/{vid}/leaderboard", f"/tv/{vid}"):
        assert f'href="{page}"' in html
    assert 'href="/admin"' in pages.get("/")  # the header's link for admins


def test_the_admin_saves_every_setting_and_the_change_is_audited(pages, office):
    vid = office.village.id
    assert "时区" in pages.as_(office.admin).get(f"/admin/villages/{vid}")
    pages.post(f"/admin/villages/{vid}", SETTINGS)

    village = db.session.get(Village, vid)
    assert village.name == "幸福新村"
    assert village.timezone == "Asia/Urumqi"
    assert village.yuan_per_point == Decimal("0.25")
    assert (village.approval_threshold, village.leader_monthly_quota) == (80, 500)
    assert (village.black_board_days, village.red_board_days) == (15, 60)
    assert village.pin_required_above == 100
    assert village.mask_names
    assert village.year_end_clearing
    entry = last_entry("village.update")
    assert (entry.actor_id, entry.village_id, entry.target_id) == (office.admin.user_id, vid, vid)
    changes = last_changes("village.update")
    assert changes["name"] == ["幸福村", "幸福新村"]
    assert changes["yuan_per_point"] == ["0.10", "0.25"]
    assert changes["mask_names"] == [False, True]
    assert changes["leader_monthly_quota"] == [None, 500]


def test_unchecked_boxes_and_empty_limits_turn_settings_off(pages, office):
    vid = office.village.id
    pages.as_(office.admin).post(f"/admin/villages/{vid}", SETTINGS)
    cleared = {**SETTINGS, "leader_monthly_quota": "", "pin_required_above": ""}
    del cleared["mask_names"], cleared["year_end_clearing"]
    pages.post(f"/admin/villages/{vid}", cleared)
    village = db.session.get(Village, vid)
    assert village.leader_monthly_quota is None
    assert village.pin_required_above is None
    assert not village.mask_names
    assert not village.year_end_clearing


def test_a_rate_of_minus_zero_is_saved_as_zero(pages, office):
    vid = office.village.id
    pages.as_(office.admin).post(f"/admin/villages/{vid}", {**SETTINGS, "yuan_per_point": "-0"})

    assert str(db.session.get(Village, vid).yuan_per_point) == "0.00"
    assert last_changes("village.update")["yuan_per_point"] == ["0.10", "0.00"]


def test_saving_unchanged_settings_writes_no_entry(pages, office):
    vid = office.village.id
    pages.as_(office.admin).post(f"/admin/villages/{vid}", SETTINGS)
    before = count_entries("village.update")
    pages.post(f"/admin/villages/{vid}", SETTINGS)
    assert count_entries("village.update") == before


def test_bad_settings_are_chinese_form_errors_and_nothing_is_saved(pages, office):
    vid = office.village.id
    html = pages.as_(office.admin).post(
        f"/admin/villages/{vid}",
        {
            **SETTINGS,
            "timezone": "Mars/Olympus",
            "yuan_per_point": "0.125",
            "black_board_days": "400",
        },
        expect=422,
    )
    assert "未知的时区" in html
    assert "最多两位小数" in html
    assert "1 到 366 天" in html
    assert 'value="Mars/Olympus"' in html  # what was typed stays in the form
    html = pages.post(
        f"/admin/villages/{vid}", {**SETTINGS, "approval_threshold": "很多"}, expect=422
    )
    assert "请填写整数" in html
    assert db.session.get(Village, vid).name == "幸福村"
    assert count_entries("village.update") == 0


def test_a_taken_village_name_or_fen_fractions_are_refused(pages, office):
    vid = office.village.id
    pages.as_(office.admin)
    html = pages.post(f"/admin/villages/{vid}", {**SETTINGS, "name": "隔壁村"}, expect=422)
    assert "已有同名的村" in html
    html = pages.post(f"/admin/villages/{vid}", {**SETTINGS, "yuan_per_point": "1e-3"}, expect=422)
    assert "最多两位小数" in html


def test_the_settings_page_keeps_the_rate_within_what_the_api_takes(pages, office):
    """One rule for a village's rate (``villages.rates``): the page took up to 99,999,999.99
    yuan a point, the API 1000."""
    vid = office.village.id
    pages.as_(office.admin)
    too_much = {**SETTINGS, "yuan_per_point": "1000.01"}
    assert "0 到 1000 元" in pages.post(f"/admin/villages/{vid}", too_much, expect=422)
    pages.post(f"/admin/villages/{vid}", {**SETTINGS, "yuan_per_point": "1000"})
    assert db.session.get(Village, vid).yuan_per_point == Decimal("1000.00")


def test_grids_are_added_and_renamed_with_audit_entries(pages, office):
    vid = office.village.id
    pages.as_(office.admin).post(f"/admin/villages/{vid}/grids", {"name": "第二网格"})
    grid = db.session.execute(db.select(Grid).where(Grid.name == "第二网格")).scalar_one()
    assert last_changes("grid.create") == {"name": "第二网格"}

    pages.post(f"/admin/grids/{grid.id}", {"name": "东片"})
    assert db.session.get(Grid, grid.id).name == "东片"
    assert last_changes("grid.rename") == {"name": ["第二网格", "东片"]}
    assert "东片" in pages.get(f"/admin/villages/{vid}/grids")

    html = pages.post(f"/admin/grids/{grid.id}", {"name": "第一网格"}, expect=422)
    assert "已有同名的网格" in html
    html = pages.post(f"/admin/villages/{vid}/grids", {"name": ""}, expect=422)
    assert "请填写" in html


def test_the_admin_pages_speak_english_when_chosen(pages, office):
    pages.as_(office.admin)
    pages.client.get("/lang/en")
    html = pages.get(f"/admin/villages/{office.village.id}")
    assert "Village settings" in html
    assert "Yuan per point" in html
