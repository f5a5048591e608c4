"""A signed-in villager objects to an entry on the public board from the villager pages, with a
form (CSRF, one-time key), a Chinese confirmation and Chinese form errors; the same rules as the
API (once per household, only while the entry is on the board, only in its own village)."""

import re

import pytest
import sqlalchemy as sa

from pointsmart.board import objections
from pointsmart.board.models import Objection
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from tests.awards.conftest import catalogue, leader, village  # noqa: F401
from tests.factories import ROOT
from tests.villagers.test_pages import csrf_client, household_with_pin, sign_in  # noqa: F401

FIELDS = re.compile(r'name="(csrf_token|form_key)" value="([^"]+)"')


@pytest.fixture
def entry(api, make, village, leader, catalogue):  # noqa: F811
    wrongdoer = make.household(village, head_name="王建国")
    body = api.post(
        f"/villages/{village.id}/board-entries",
        json={"household_id": wrongdoer.id, "rule_id": catalogue.clutter.id, "reason": "乱堆"},
        as_=leader,
        key=True,
    )
    return body


def post_form(client, path, **data):
    fields = dict(FIELDS.findall(client.get(path).get_data(as_text=True)))
    db.session.commit()
    return client.post(path, data={**fields, **data})


def test_a_villager_objects_from_the_board_and_gets_a_chinese_confirmation(
    csrf_client,  # noqa: F811
    make,
    village,  # noqa: F811
    entry,
):
    objector = household_with_pin(make, village)
    sign_in(csrf_client)
    board = csrf_client.get(f"/board/{village.id}").get_data(as_text=True)
    path = f"/me/objections/{entry['id']}"

    empty = post_form(csrf_client, path, reason="")
    filed = post_form(csrf_client, path, reason="那天我家门口是邻居堆的")
    confirmation = csrf_client.get(filed.headers["Location"]).get_data(as_text=True)
    again = post_form(csrf_client, path, reason="再说一次")

    assert path in board
    assert "提出异议" in board
    assert empty.status_code == 422
    assert "请填写" in empty.get_data(as_text=True)
    assert filed.status_code == 303
    assert filed.headers["Location"] == f"/board/{village.id}"
    assert "异议已提交" in confirmation
    assert again.status_code == 422
    assert "这一户已经对这条记录提出过异议" in again.get_data(as_text=True)
    objections = db.session.execute(sa.select(Objection)).scalars().all()
    assert [(o.household_id, o.reason, o.filed_by_id) for o in objections] == [
        (objector.id, "那天我家门口是邻居堆的", None)
    ]


def test_a_resent_form_files_the_objection_once(csrf_client, make, village, entry):  # noqa: F811
    household_with_pin(make, village)
    sign_in(csrf_client)
    path = f"/me/objections/{entry['id']}"
    fields = dict(FIELDS.findall(csrf_client.get(path).get_data(as_text=True)))
    db.session.commit()

    first = csrf_client.post(path, data={**fields, "reason": "不对"})
    resent = csrf_client.post(path, data={**fields, "reason": "不对"})

    assert first.status_code == resent.status_code == 303
    assert db.session.execute(sa.select(sa.func.count()).select_from(Objection)).scalar() == 1


def test_an_entry_of_a_household_that_moved_away_is_refused_in_chinese(
    csrf_client,  # noqa: F811
    make,
    village,  # noqa: F811
    entry,
):
    from pointsmart.admin.households import mark_moved_away
    from pointsmart.households.models import Household

    household_with_pin(make, village)
    wrongdoer = db.session.get(Household, entry["household_id"])
    make.award(wrongdoer, 10)  # its balance back to 0, so it may move away
    mark_moved_away(ROOT, wrongdoer.id)
    db.session.commit()
    sign_in(csrf_client)

    refused = post_form(csrf_client, f"/me/objections/{entry['id']}", reason="不对")

    assert refused.status_code == 422
    assert "这条记录的农户已经迁出" in refused.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Objection)).scalar() == 0


def test_an_entry_off_the_board_cannot_be_objected_to(
    csrf_client,  # noqa: F811
    make,
    village,  # noqa: F811
    entry,
):
    household_with_pin(make, village)
    ledger.reverse(entry["transfer_id"], reason="认错了")
    db.session.commit()
    sign_in(csrf_client)
    path = f"/me/objections/{entry['id']}"

    page = csrf_client.get(path)
    refused = csrf_client.post(
        path,
        data={
            "csrf_token": FIELDS.findall(csrf_client.get("/me/pin").get_data(as_text=True))[0][1],
            "reason": "不对",
        },
    )

    assert page.status_code == 200
    assert "这条记录已经撤销，不用再提出异议。" in page.get_data(as_text=True)
    assert "<textarea" not in page.get_data(as_text=True)
    assert refused.status_code == 422
    assert "这条记录已经撤销，不用再提出异议。" in refused.get_data(as_text=True)


def test_after_an_upheld_objection_the_page_says_so_not_that_the_days_are_over(
    csrf_client,  # noqa: F811
    make,
    village,  # noqa: F811
    entry,
):
    objector = household_with_pin(make, village)
    objection = objections.raise_objection(
        ROOT, entry["id"], reason="不对", household_id=objector.id
    )
    admin = make.staff("admin", village).principal
    objections.decide_objection(admin, objection.id, uphold=True, reason="核实无误")
    db.session.commit()
    sign_in(csrf_client)

    page = csrf_client.get(f"/me/objections/{entry['id']}").get_data(as_text=True)

    assert "对这条记录的异议已经成立，分数已经撤销，不用再提出异议。" in page
    assert "公示期" not in page
    assert "<textarea" not in page


def test_another_village_entry_is_not_found_and_strangers_must_sign_in(
    csrf_client,  # noqa: F811
    client,
    make,
    entry,
):
    household_with_pin(make, make.village())
    anonymous = client.get(f"/me/objections/{entry['id']}")
    sign_in(csrf_client)

    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/me/login"
    assert csrf_client.get(f"/me/objections/{entry['id']}").status_code == 404
    assert csrf_client.get("/me/objections/999999").status_code == 404


def test_a_refusal_shows_its_reason_error_by_the_field_and_the_rest_on_top(app, db_session):
    from pointsmart.awards.errors import AlreadyObjected
    from pointsmart.errors import ValidationFailed
    from pointsmart.forms import refusal_errors

    def shown(problem):  # as the objection page puts it: it shows the reason's field only
        return refusal_errors(problem, fields={"reason"})

    assert shown(ValidationFailed(errors={"reason": ["太长"]})) == {"reason": ["太长"]}
    assert shown(ValidationFailed(errors={"household_id": ["没有这一户"]})) == {
        "form": ["没有这一户"]
    }
    assert shown(AlreadyObjected("已经提过")) == {"form": ["已经提过"]}
