"""Every admin page and action refuses a leader, a shopkeeper and the admin of another
village with the 403 page, and changes nothing (no audit entry); signed-out visitors are
sent to sign in."""

from __future__ import annotations

import pytest

from pointsmart.accounts.models import RoleAssignment
from pointsmart.audit.models import AuditEntry
from pointsmart.extensions import db
from pointsmart.households.models import Member

INTRUDERS = ("leader", "keeper", "other_admin")


def _routes(office) -> list[tuple[str, str, dict]]:
    vid, hid, gid = office.village.id, office.household.id, office.grid.id
    member = Member(household_id=hid, name="王小明", relation="子")
    db.session.add(member)
    db.session.flush()
    from pointsmart.rules import catalogue as rules
    from tests.factories import ROOT

    rule = rules.create_rule(ROOT, vid, code="R01", name="门前三包", category="rule", points=3)
    uid = office.leader.user_id
    role_id = db.session.execute(
        db.select(RoleAssignment.id).where(RoleAssignment.user_id == office.keeper.user_id)
    ).scalar_one()
    return [
        ("GET", f"/admin/villages/{vid}", {}),
        ("POST", f"/admin/villages/{vid}", {"name": "x", "timezone": "Asia/Shanghai"}),
        ("GET", f"/admin/villages/{vid}/grids", {}),
        ("POST", f"/admin/villages/{vid}/grids", {"name": "新网格"}),
        ("POST", f"/admin/grids/{gid}", {"name": "新名"}),
        ("GET", f"/admin/villages/{vid}/households", {}),
        ("POST", f"/admin/villages/{vid}/households", {"number": "N-1", "head_name": "某"}),
        ("GET", f"/admin/households/{hid}", {}),
        ("POST", f"/admin/households/{hid}/edit", {"number": "N-2", "head_name": "某"}),
        ("POST", f"/admin/households/{hid}/move", {}),
        ("POST", f"/admin/households/{hid}/members", {"name": "某"}),
        ("POST", f"/admin/members/{member.id}", {"name": "某"}),
        ("POST", f"/admin/members/{member.id}/remove", {}),
        ("POST", f"/admin/households/{hid}/moved-away", {}),
        ("POST", f"/admin/households/{hid}/pin", {"pin": "123456"}),
        ("GET", f"/admin/villages/{vid}/staff", {}),
        (
            "POST",
            f"/admin/villages/{vid}/staff",
            {"username": "newbie", "password": "long-enough-pw", "role": "leader"},
        ),
        ("GET", f"/admin/villages/{vid}/users/{uid}", {}),
        ("POST", f"/admin/villages/{vid}/users/{uid}/active", {"active": "0"}),
        ("POST", f"/admin/villages/{vid}/users/{uid}/password", {"password": "long-enough-pw"}),
        ("POST", f"/admin/villages/{vid}/users/{uid}/roles", {"role": "admin"}),
        ("POST", f"/admin/villages/{vid}/roles/{role_id}/revoke", {}),
        ("GET", f"/admin/villages/{vid}/rules", {}),
        (
            "POST",
            f"/admin/villages/{vid}/rules",
            {"code": "X1", "name": "某", "category": "other", "points": "1"},
        ),
        ("POST", f"/admin/rules/{rule.id}/version", {"points": "4"}),
        ("POST", f"/admin/rules/{rule.id}/active", {"active": "0"}),
        ("GET", f"/admin/villages/{vid}/audit", {}),
    ]


@pytest.mark.parametrize("who", INTRUDERS)
def test_no_one_but_the_villages_admins_uses_the_admin_pages(pages, office, who):
    routes = _routes(office)
    pages.as_(getattr(office, who))
    if who == "other_admin":
        assert "幸福村" not in pages.get("/admin")
    else:
        pages.get("/admin", expect=403)
    entries_before = db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one()
    for method, path, data in routes:
        if method == "GET":
            html = pages.get(path, expect=403)
        else:
            html = pages.post(path, data, expect=403)
        assert "错误代码：403" in html, path
    entries_after = db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one()
    assert entries_after == entries_before


def test_the_village_admin_reaches_every_page(pages, office):
    pages.as_(office.admin)
    for method, path, _data in _routes(office):
        if method == "GET":
            pages.get(path)


def test_signed_out_visitors_are_sent_to_sign_in(client, office):
    db.session.commit()
    response = client.get(f"/admin/villages/{office.village.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
