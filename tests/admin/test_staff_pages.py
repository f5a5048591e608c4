"""Staff users and roles on the admin pages: create, disable and enable, reset the password,
grant and revoke roles; each audited, and disabling or a new password ends the sessions."""

from __future__ import annotations

from pointsmart.accounts.models import ApiToken, RoleAssignment, User
from pointsmart.accounts.passwords import verify_secret
from pointsmart.accounts.service import principal_for_token
from pointsmart.audit.models import AuditEntry
from pointsmart.extensions import db
from tests.admin.conftest import last_changes, last_entry


def _user(username: str) -> User:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def _open_tokens(user_id: int) -> int:
    return len(
        db.session.execute(
            db.select(ApiToken.id).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        ).all()
    )


def test_the_admin_creates_a_shopkeeper_with_a_hashed_password(pages, office):
    vid = office.village.id
    assert office.keeper.username in pages.as_(office.admin).get(f"/admin/villages/{vid}/staff")
    pages.post(
        f"/admin/villages/{vid}/staff",
        {
            "username": "xiaoli",
            "display_name": "小李",
            "password": "long-enough-pw",
            "role": "shopkeeper",
            "shop_id": office.shop.id,
        },
    )
    user = _user("xiaoli")
    assert user.password_hash != "long-enough-pw"
    assert verify_secret(user.password_hash, "long-enough-pw")
    role = db.session.execute(
        db.select(RoleAssignment).where(RoleAssignment.user_id == user.id)
    ).scalar_one()
    assert (role.role, role.village_id, role.shop_id) == ("shopkeeper", vid, office.shop.id)
    entry = last_entry("user.create")
    assert (entry.actor_id, entry.village_id, entry.target_id) == (
        office.admin.user_id,
        vid,
        user.id,
    )
    assert "long-enough-pw" not in entry.changes


def test_bad_new_users_are_chinese_form_errors(pages, office):
    vid = office.village.id
    pages.as_(office.admin)
    html = pages.post(
        f"/admin/villages/{vid}/staff",
        {"username": office.leader.username, "password": "short", "role": "shopkeeper"},
        expect=422,
    )
    assert "该用户名已被使用" in html
    assert "密码至少需要 8 个字符" in html
    assert "店主必须属于某个商店" in html
    assert 'value="short"' not in html
    look_alike = pages.post(
        f"/admin/villages/{vid}/staff",
        {
            "username": office.leader.username + "\u200b",
            "password": "long enough",
            "role": "leader",
        },
        expect=422,
    )  # would read as the leader's own name in every list
    assert "U+200B" in look_alike


def test_disabling_ends_the_sessions_and_enabling_lets_the_user_back(pages, office):
    vid, leader = office.village.id, office.leader
    pages.as_(office.admin).get(f"/admin/villages/{vid}/users/{leader.user_id}")
    pages.post(f"/admin/villages/{vid}/users/{leader.user_id}/active", {"active": "0"})
    assert not db.session.get(User, leader.user_id).active
    assert _open_tokens(leader.user_id) == 0
    assert principal_for_token(leader.token) is None
    assert last_changes("user.disable") == {"active": [True, False]}

    pages.post(f"/admin/villages/{vid}/users/{leader.user_id}/active", {"active": "1"})
    assert db.session.get(User, leader.user_id).active
    assert last_changes("user.enable") == {"active": [False, True]}


def test_nobody_disables_themself_or_drops_their_own_admin_role(pages, office):
    vid, admin = office.village.id, office.admin
    html = pages.as_(admin).post(
        f"/admin/villages/{vid}/users/{admin.user_id}/active", {"active": "0"}, expect=422
    )
    assert "不能撤销自己的管理员角色，也不能停用自己" in html
    role_id = db.session.execute(
        db.select(RoleAssignment.id).where(RoleAssignment.user_id == admin.user_id)
    ).scalar_one()
    pages.post(f"/admin/villages/{vid}/roles/{role_id}/revoke", expect=422)
    assert db.session.get(User, admin.user_id).active


def test_a_password_reset_hashes_the_new_one_and_ends_the_sessions(pages, office):
    vid, keeper = office.village.id, office.keeper
    pages.as_(office.admin).post(
        f"/admin/villages/{vid}/users/{keeper.user_id}/password", {"password": "new-secret-99"}
    )
    assert verify_secret(db.session.get(User, keeper.user_id).password_hash, "new-secret-99")
    assert _open_tokens(keeper.user_id) == 0
    assert last_entry("user.password_reset").target_id == keeper.user_id
    html = pages.post(
        f"/admin/villages/{vid}/users/{keeper.user_id}/password", {"password": "short"}, expect=422
    )
    assert "密码至少需要 8 个字符" in html


def test_roles_are_granted_and_revoked_with_audit_entries(pages, office):
    vid, leader = office.village.id, office.leader
    pages.as_(office.admin).post(
        f"/admin/villages/{vid}/users/{leader.user_id}/roles",
        {"role": "shopkeeper", "shop_id": office.shop.id},
    )
    assert last_changes("role.grant") == {
        "role": "shopkeeper",
        "village_id": vid,
        "shop_id": office.shop.id,
    }
    assert leader.principal.shops == {office.shop.id: vid}
    html = pages.post(
        f"/admin/villages/{vid}/users/{leader.user_id}/roles",
        {"role": "shopkeeper", "shop_id": office.shop.id},
        expect=422,
    )
    assert "该用户已有这个角色" in html
    html = pages.post(
        f"/admin/villages/{vid}/users/{leader.user_id}/roles", {"role": "shopkeeper"}, expect=422
    )
    assert "本村没有这个商店" in html

    role_id = db.session.execute(
        db.select(RoleAssignment.id).where(
            RoleAssignment.user_id == leader.user_id, RoleAssignment.role == "shopkeeper"
        )
    ).scalar_one()
    pages.post(f"/admin/villages/{vid}/roles/{role_id}/revoke")
    assert db.session.get(RoleAssignment, role_id) is None
    assert last_changes("role.revoke")["role"] == "shopkeeper"
    assert leader.principal.shops == {}


def test_a_user_who_also_works_elsewhere_is_left_to_an_admin_of_both(pages, office):
    other_village = db.session.execute(
        db.select(RoleAssignment.village_id).where(
            RoleAssignment.user_id == office.other_admin.user_id
        )
    ).scalar_one()
    db.session.add(
        RoleAssignment(user_id=office.leader.user_id, role="leader", village_id=other_village)
    )
    vid = office.village.id
    pages.as_(office.admin).get(f"/admin/villages/{vid}/users/{office.leader.user_id}", expect=403)
    pages.post(
        f"/admin/villages/{vid}/users/{office.leader.user_id}/active", {"active": "0"}, expect=403
    )
    assert db.session.get(User, office.leader.user_id).active


def test_no_admin_draws_another_villages_staff_into_their_village(pages, office):
    """A role in one's own village is granted only to a user one manages: else the other
    village's admin could no longer disable that user or reset their password."""
    other_village = db.session.execute(
        db.select(RoleAssignment.village_id).where(
            RoleAssignment.user_id == office.other_admin.user_id
        )
    ).scalar_one()
    leader_id = office.leader.user_id
    before = db.session.execute(
        db.select(RoleAssignment.id).where(RoleAssignment.user_id == leader_id)
    ).all()

    pages.as_(office.other_admin).post(
        f"/admin/villages/{other_village}/users/{leader_id}/roles",
        {"role": "admin"},
        expect=403,
    )

    after = db.session.execute(
        db.select(RoleAssignment.id).where(RoleAssignment.user_id == leader_id)
    ).all()
    assert after == before
    granted = db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "role.grant")
    assert db.session.execute(granted).scalar_one() == 0
    vid = office.village.id
    pages.as_(office.admin).post(
        f"/admin/villages/{vid}/users/{leader_id}/active", {"active": "0"}, expect=303
    )
    assert not db.session.get(User, leader_id).active


def test_two_admins_taking_each_others_admin_role_at_once_leave_the_village_one(fresh_app):
    """Each request read its admin's roles when it began; on PostgreSQL both revocations
    then went through and the village was left with no admin at all (only an admin of every
    village could give it one again). The second now finds its own admin role gone."""
    from pointsmart.accounts.service import load_principal
    from pointsmart.admin import staff
    from pointsmart.errors import Problem
    from tests.factories import Factories
    from tests.ledger.test_concurrency import run_at_once

    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        first, second = make.staff("admin", village), make.staff("admin", village)
        db.session.commit()
        vid = village.id
        roles = {
            user_id: db.session.execute(
                db.select(RoleAssignment.id).where(RoleAssignment.user_id == user_id)
            ).scalar_one()
            for user_id in (first.user_id, second.user_id)
        }
        actors = [load_principal(first.user_id), load_principal(second.user_id)]
    other_role = [roles[second.user_id], roles[first.user_id]]

    def revoke(index):
        with fresh_app.app_context():
            try:
                staff.revoke_role(actors[index], other_role[index])
                db.session.commit()
                return "revoked"
            except Problem:
                db.session.rollback()
                return "refused"

    assert sorted(run_at_once(2, revoke)) == ["refused", "revoked"]
    with fresh_app.app_context():
        admins = db.session.execute(
            db.select(RoleAssignment.id).where(
                RoleAssignment.village_id == vid, RoleAssignment.role == "admin"
            )
        ).all()
        assert len(admins) == 1
        assert (
            len(
                db.session.execute(
                    db.select(AuditEntry.id).where(AuditEntry.action == "role.revoke")
                ).all()
            )
            == 1
        )


def test_two_admins_disabling_each_other_at_once_leave_the_village_one(fresh_app):
    """As with their roles: on PostgreSQL both were disabled, and nobody of the village
    could sign in to its admin pages."""
    from pointsmart.accounts.service import load_principal
    from pointsmart.admin import staff
    from pointsmart.errors import Problem
    from tests.factories import Factories
    from tests.ledger.test_concurrency import run_at_once

    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        first, second = make.staff("admin", village), make.staff("admin", village)
        db.session.commit()
        actors = [load_principal(first.user_id), load_principal(second.user_id)]
    others = [second.user_id, first.user_id]

    def disable(index):
        with fresh_app.app_context():
            try:
                staff.set_user_active(actors[index], others[index], active=False)
                db.session.commit()
                return "disabled"
            except Problem:
                db.session.rollback()
                return "refused"

    assert sorted(run_at_once(2, disable)) == ["disabled", "refused"]
    with fresh_app.app_context():
        active = [db.session.get(User, u).active for u in (first.user_id, second.user_id)]
        assert sorted(active) == [False, True]


def test_a_role_revoked_twice_at_once_is_revoked_once(fresh_app):
    """A double tap on 撤销: on PostgreSQL the second request had read the role before the
    first deleted it, and its own delete then matched no row: a 500 page."""
    from pointsmart.accounts.service import load_principal
    from pointsmart.admin import staff
    from pointsmart.errors import Problem
    from tests.factories import Factories
    from tests.ledger.test_concurrency import run_at_once

    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        admin, leader = make.staff("admin", village), make.staff("leader", village)
        db.session.commit()
        role_id = db.session.execute(
            db.select(RoleAssignment.id).where(RoleAssignment.user_id == leader.user_id)
        ).scalar_one()
        actor = load_principal(admin.user_id)

    def revoke(index):
        with fresh_app.app_context():
            try:
                staff.revoke_role(actor, role_id)
                db.session.commit()
                return "revoked"
            except Problem as problem:
                db.session.rollback()
                return problem.code

    assert sorted(run_at_once(2, revoke)) == ["not_found", "revoked"]
    with fresh_app.app_context():
        revocations = db.session.execute(
            db.select(AuditEntry.id).where(AuditEntry.action == "role.revoke")
        ).all()
        assert len(revocations) == 1


def test_a_role_granted_twice_at_once_is_granted_once(fresh_app, monkeypatch):
    """A double tap on 授予: on PostgreSQL both requests found the user without the role and
    each added it; the user held the role twice, and the audit log said so twice. (Both
    requests read the user's roles before either goes on, unless one waits for the other.)"""
    import contextlib
    import threading

    from pointsmart.accounts.service import load_principal
    from pointsmart.admin import staff
    from pointsmart.errors import Problem
    from tests.factories import Factories
    from tests.ledger.test_concurrency import run_at_once

    with fresh_app.app_context():
        make = Factories()
        village = make.village()
        admin, leader = make.staff("admin", village), make.staff("leader", village)
        db.session.commit()
        vid, actor = village.id, load_principal(admin.user_id)

    together = threading.Barrier(2)
    roles_of = staff._roles_of

    def roles_read_together(user_id):
        roles = roles_of(user_id)
        with contextlib.suppress(threading.BrokenBarrierError):  # the other waits for this one
            together.wait(timeout=1)
        return roles

    monkeypatch.setattr(staff, "_roles_of", roles_read_together)

    def grant(index):
        with fresh_app.app_context():
            try:
                staff.grant_role(actor, leader.user_id, role="admin", village_id=vid, shop_id=None)
                db.session.commit()
                return "granted"
            except Problem as problem:
                db.session.rollback()
                return problem.code

    assert sorted(run_at_once(2, grant)) == ["granted", "role_exists"]
    with fresh_app.app_context():
        roles = db.session.execute(
            db.select(RoleAssignment.role).where(RoleAssignment.user_id == leader.user_id)
        ).scalars()
        assert sorted(roles) == ["admin", "leader"]
