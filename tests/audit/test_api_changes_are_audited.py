"""Changes made through the API (and the command line's services) that are not ledger
transfers each leave one audit entry naming who, the village and what changed."""

from __future__ import annotations

from pointsmart.audit.models import AuditEntry
from pointsmart.audit.service import changes_of
from pointsmart.extensions import db
from pointsmart.ledger.models import Transfer


def _last(action: str) -> AuditEntry:
    return (
        db.session.execute(
            db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
        )
        .scalars()
        .first()
    )


def _count(action: str) -> int:
    return len(
        db.session.execute(db.select(AuditEntry.id).where(AuditEntry.action == action)).all()
    )


def test_villages_grids_and_households_made_by_the_api_are_audited(api, make):
    root = make.staff("admin")
    village = api.post("/villages", json={"name": "新村"}, as_=root)
    entry = _last("village.create")
    assert (entry.actor_id, entry.village_id) == (root.user_id, village["id"])
    grid = api.post(f"/villages/{village['id']}/grids", json={"name": "一组"}, as_=root)
    assert (_last("grid.create").target_id, changes_of(_last("grid.create"))) == (
        grid["id"],
        {"name": "一组"},
    )
    household = api.post(
        f"/villages/{village['id']}/households",
        json={"number": "A-1", "head_name": "张三", "members": [{"name": "李四"}]},
        as_=root,
    )
    entry = _last("household.create")
    assert entry.target_id == household["id"]
    assert changes_of(entry) == {"number": "A-1", "head_name": "张三", "members": 1}

    api.post(f"/households/{household['id']}/card", as_=root)
    assert changes_of(_last("card.issue")) == {"number": "A-1", "version": 1}
    api.request(
        "POST", f"/households/{household['id']}/pin", json={"pin": "135790"}, as_=root, expect=204
    )
    assert _last("household.pin_reset").target_id == household["id"]
    assert "135790" not in _last("household.pin_reset").changes


def test_settings_shops_goods_and_rules_changed_by_the_api_are_audited(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    vid = village.id
    api.request(
        "PATCH",
        f"/villages/{vid}/award-settings",
        json={"approval_threshold": 70, "leader_monthly_quota": None},
        as_=admin,
        expect=200,
    )
    assert changes_of(_last("village.update")) == {"approval_threshold": [50, 70]}
    api.request(
        "PUT",
        f"/villages/{vid}/counter-settings",
        json={"pin_required_above": 200},
        as_=admin,
        expect=200,
    )
    assert changes_of(_last("village.update")) == {"pin_required_above": [None, 200]}

    shop = api.post(f"/villages/{vid}/shops", json={"name": "小卖部"}, as_=admin)
    assert _last("shop.create").target_id == shop["id"]
    product = api.post(
        f"/shops/{shop['id']}/products",
        json={"name": "香皂", "points_price": 20, "stock": 5},
        as_=admin,
    )
    assert _last("product.create").target_id == product["id"]
    api.request(
        "PATCH", f"/products/{product['id']}", json={"points_price": 25}, as_=admin, expect=200
    )
    assert changes_of(_last("product.update")) == {"points_price": [20, 25]}

    rule = api.post(
        f"/villages/{vid}/rules",
        json={"code": "R1", "name": "门前三包", "category": "rule", "points": 3},
        as_=admin,
    )
    assert _last("rule.create").target_id == rule["id"]
    api.request("PATCH", f"/rules/{rule['id']}", json={"name": "门前五包"}, as_=admin, expect=200)
    assert changes_of(_last("rule.update")) == {"name": ["门前三包", "门前五包"]}


def test_a_refused_change_leaves_no_entry(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    before = _count("grid.create")
    api.post(f"/villages/{village.id}/grids", json={"name": ""}, as_=admin, expect=422)
    assert _count("grid.create") == before


def test_ledger_transfers_are_not_in_the_audit_log(make):
    village = make.village()
    household = make.household(village)
    before = db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one()
    make.award(household, 10)
    assert db.session.execute(db.select(db.func.count(Transfer.id))).scalar_one() >= 1
    assert db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one() == before


def test_users_made_on_the_command_line_are_audited_as_the_system(make):
    staff = make.staff("leader", make.village())
    entry = _last("user.create")
    assert (entry.target_id, entry.actor_id) == (staff.user_id, None)
    assert changes_of(entry)["role"] == "leader"
