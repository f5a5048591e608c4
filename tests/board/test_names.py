"""Masked names (张*明) on public answers when the village asks for it; staff and the household
itself still see full names."""

import pytest

from pointsmart.board.names import mask_name
from pointsmart.counter import pins
from pointsmart.extensions import db
from tests.awards.conftest import catalogue, leader, village  # noqa: F401
from tests.factories import ROOT


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张小明", "张*明"),
        ("欧阳小明", "欧*明"),
        ("张明", "张*"),
        ("张", "张"),
        ("", ""),
        (" 李秀英 ", "李*英"),
        ("Li Xiuying", "L*g"),
    ],
)
def test_a_name_keeps_its_first_and_last_character(name, masked):
    assert mask_name(name) == masked


def masking(place):
    place.mask_names = True
    db.session.flush()


def villager_token(api, make, household) -> dict:
    pins.set_pin(ROOT, household.id, "135790")
    household.pin_chosen_hash = household.pin_hash
    answer = api.post("/auth/token", json={"phone": household.phone, "pin": "135790"})
    return {"Authorization": f"Bearer {answer['token']}"}


def test_the_leaderboard_api_masks_names_for_the_public_only(api, make, leader):  # noqa: F811
    home = make.village()
    zhang = make.household(home, head_name="张小明", phone="13800138001")
    li = make.household(home, head_name="李明")
    make.household(home, head_name="王")
    make.award(zhang, 20)
    make.award(li, 10)
    admin = make.staff("admin", home)
    headers = villager_token(api, make, zhang)
    path = f"/villages/{home.id}/leaderboard"

    unmasked = [i["head_name"] for i in api.get(path)["items"]]
    masking(home)
    public = [i["head_name"] for i in api.get(path)["items"]]
    staff = [i["head_name"] for i in api.get(path, as_=admin)["items"]]
    own = [i["head_name"] for i in api.get(path, headers=headers)["items"]]
    other_village_staff = [i["head_name"] for i in api.get(path, as_=leader)["items"]]

    assert unmasked == ["张小明", "李明", "王"]
    assert public == ["张*明", "李*", "王"]
    assert staff == ["张小明", "李明", "王"]
    assert own == ["张小明", "李*", "王"]  # the household sees its own name only
    assert other_village_staff == ["张*明", "李*", "王"]


def test_the_public_board_api_masks_names(api, make, village, leader, catalogue):  # noqa: F811
    household = make.household(village, head_name="欧阳小明")
    api.post(
        f"/villages/{village.id}/board-entries",
        json={"household_id": household.id, "rule_id": catalogue.filial.id, "reason": "照顾老人"},
        as_=leader,
        key=True,
    )
    masking(village)

    public = api.get(f"/villages/{village.id}/board")
    staff = api.get(f"/villages/{village.id}/board", as_=leader)

    assert public["red"][0]["head_name"] == "欧*明"
    assert staff["red"][0]["head_name"] == "欧阳小明"
