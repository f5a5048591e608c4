"""The red and black list through the API: entries with reasons and photos, the public board
for the configured days, objections (异议) upheld (a reversal) or dismissed."""

import base64
import io

import pytest
from PIL import Image

from pointsmart.audit.service import changes_of
from pointsmart.extensions import db
from pointsmart.villages.models import Village
from tests.audit.test_api_changes_are_audited import _last as last_audit_entry
from tests.awards.conftest import standing


@pytest.fixture(autouse=True)
def photo_dir(app, tmp_path):
    app.config["BOARD_PHOTO_DIR"] = str(tmp_path / "board-photos")
    yield tmp_path / "board-photos"
    app.config.pop("BOARD_PHOTO_DIR")


def picture(kind="JPEG", size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


def entry(household, rule, reason="乱堆柴草，占用村道", **fields) -> dict:
    return {"household_id": household.id, "rule_id": rule.id, "reason": reason, **fields}


def test_a_black_entry_posts_the_deduction_and_shows_on_the_board(
    api, village, household, leader, admin, catalogue
):
    made = api.post(
        f"/villages/{village.id}/board-entries", json=entry(household, catalogue.clutter),
        as_=leader, key=True,
    )  # fmt: skip

    assert (made["kind"], made["points"], made["reason"]) == ("black", -10, "乱堆柴草，占用村道")
    assert (made["number"], made["head_name"]) == (household.number, "王建国")
    assert made["on_board"] is True
    assert made["has_photo"] is False
    history = api.get(f"/households/{household.id}/transfers", as_=admin)["items"]
    assert (history[0]["id"], history[0]["amount"]) == (made["transfer_id"], -10)
    assert history[0]["memo"] == "乱堆柴草，占用村道"
    board = api.get(f"/villages/{village.id}/board")
    assert [item["id"] for item in board["black"]] == [made["id"]]
    assert board["red"] == []
    assert "created_by_id" not in board["black"][0]


def test_a_red_entry_awards_and_stays_for_the_red_days(
    api, village, household, leader, catalogue, clock
):
    made = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(household, catalogue.filial, "悉心照顾卧床老人"),
        as_=leader,
        key=True,
    )

    assert (made["kind"], made["points"]) == ("red", 30)
    assert [i["id"] for i in api.get(f"/villages/{village.id}/board")["red"]] == [made["id"]]
    clock(30)
    assert api.get(f"/villages/{village.id}/board")["red"] == []


def test_a_black_entry_leaves_the_board_after_the_villages_days(
    api, village, household, leader, catalogue, clock
):
    db.session.get(Village, village.id).black_board_days = 7
    made = api.post(
        f"/villages/{village.id}/board-entries", json=entry(household, catalogue.clutter),
        as_=leader, key=True,
    )  # fmt: skip

    clock(6)
    assert [i["id"] for i in api.get(f"/villages/{village.id}/board")["black"]] == [made["id"]]
    clock(7)
    assert api.get(f"/villages/{village.id}/board")["black"] == []
    listed = api.get(f"/villages/{village.id}/board-entries", as_=leader)["items"]
    assert (listed[0]["id"], listed[0]["on_board"]) == (made["id"], False)


def test_the_board_of_a_month(api, village, household, leader, catalogue):
    api.post(
        f"/villages/{village.id}/board-entries", json=entry(household, catalogue.clutter),
        as_=leader, key=True,
    )  # fmt: skip

    assert api.get(f"/villages/{village.id}/board?period=2021-01")["black"] == []
    assert api.get(f"/villages/{village.id}/board?period=2021-13", expect=422)


@pytest.mark.parametrize("rule_name", ["tidy", "volunteer"])
def test_an_entry_needs_a_red_or_black_rule(api, village, household, leader, catalogue, rule_name):
    refused = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(household, getattr(catalogue, rule_name)),
        as_=leader,
        key=True,
        expect=422,
    )

    assert refused["code"] == "wrong_rule_kind"


def test_an_entry_needs_a_reason_in_words(api, village, household, leader, admin, catalogue):
    before = standing(api, admin, household)

    refused = api.post(
        f"/villages/{village.id}/board-entries", json=entry(household, catalogue.clutter, "  "),
        as_=leader, key=True, expect=422,
    )  # fmt: skip

    assert "reason" in refused["errors"]
    assert standing(api, admin, household) == before


def test_a_leader_makes_entries_only_for_the_months_a_leader_may_enter(
    api, village, household, leader, admin, catalogue, photo_dir
):
    """Regression: an entry took any ``period`` from a leader (2021-01, or last month after
    its 公示 sheet was printed) and posted its points there, though every other way a leader
    enters points refuses those months. The committee may still enter them."""
    from pointsmart.periods import current_period, previous_periods
    from pointsmart.reports.sheet import mark_printed

    older, last_month = previous_periods(current_period(village.timezone), 3)[:2]
    photo = base64.b64encode(picture()).decode()
    before = standing(api, admin, household)

    too_old = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(household, catalogue.clutter, period=older, photo_base64=photo),
        as_=leader, key=True, expect=422,
    )  # fmt: skip
    mark_printed(village.id, last_month)
    printed = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(household, catalogue.filial, "悉心照顾卧床老人", period=last_month),
        as_=leader, key=True, expect=422,
    )  # fmt: skip

    assert list(too_old["errors"]) == ["period"]
    assert list(printed["errors"]) == ["period"]
    assert standing(api, admin, household) == before
    assert api.get(f"/villages/{village.id}/board-entries", as_=admin)["items"] == []
    assert not photo_dir.exists() or list(photo_dir.iterdir()) == []
    corrected = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(household, catalogue.clutter, period=older), as_=admin, key=True,
    )  # fmt: skip
    assert corrected["period"] == older


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_a_photo_is_checked_re_encoded_and_served_as_an_image(
    api, client, village, household, leader, catalogue, photo_dir, kind
):
    made = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(
            household, catalogue.burning, photo_base64=base64.b64encode(picture(kind)).decode()
        ),
        as_=leader,
        key=True,
    )

    assert made["has_photo"] is True
    [stored] = list(photo_dir.iterdir())
    assert stored.suffix == (".jpg" if kind == "JPEG" else ".png")
    response = client.get(made["photo_url"])
    assert response.status_code == 200
    assert response.mimetype == ("image/jpeg" if kind == "JPEG" else "image/png")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(response.data)).format == kind
    board = api.get(f"/villages/{village.id}/board")
    assert board["black"][0]["photo_url"] == made["photo_url"]


@pytest.mark.parametrize(
    "payload",
    [
        b"<html><script>alert(1)</script></html>",
        b"GIF89a" + b"\x00" * 40,
        picture("JPEG")[:50],
        picture("GIF"),
    ],
    ids=["html", "fake gif", "truncated jpeg", "real gif"],
)
def test_anything_but_a_jpeg_or_png_photo_is_refused(
    api, village, household, leader, admin, catalogue, photo_dir, payload
):
    before = standing(api, admin, household)

    refused = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(household, catalogue.burning, photo_base64=base64.b64encode(payload).decode()),
        as_=leader,
        key=True,
        expect=422,
    )

    assert "photo" in refused["errors"]
    assert standing(api, admin, household) == before
    assert not photo_dir.exists() or list(photo_dir.iterdir()) == []


def test_a_photo_that_is_not_base64_is_refused_beside_the_field_in_the_callers_language(
    api, village, household, leader, admin, catalogue
):
    before = standing(api, admin, household)
    body = entry(household, catalogue.burning, photo_base64="!!!")

    refused = api.post(
        f"/villages/{village.id}/board-entries", json=body, as_=leader, key=True, expect=422
    )
    english = api.post(
        f"/villages/{village.id}/board-entries",
        json=body,
        headers={"Accept-Language": "en"},
        as_=leader,
        key=True,
        expect=422,
    )

    assert refused["errors"] == {"photo_base64": ["照片不是有效的 base64 编码。"]}
    assert english["errors"] == {"photo_base64": ["The photo is not valid base64."]}
    assert standing(api, admin, household) == before


def test_a_photo_over_the_size_limit_is_refused(
    api, village, household, leader, catalogue, monkeypatch
):
    from pointsmart.awards import photos

    monkeypatch.setattr(photos, "MAX_BYTES", 100)

    refused = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(household, catalogue.burning, photo_base64=base64.b64encode(picture()).decode()),
        as_=leader,
        key=True,
        expect=422,
    )

    assert "photo" in refused["errors"]


def test_a_photo_is_public_only_while_the_entry_is_on_the_board(
    api, client, village, household, leader, catalogue, clock
):
    made = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(household, catalogue.burning, photo_base64=base64.b64encode(picture()).decode()),
        as_=leader,
        key=True,
    )
    clock(40)

    assert client.get(made["photo_url"]).status_code == 404


def test_a_red_entry_above_the_threshold_waits_and_is_made_on_approval(
    api, village, household, leader, admin, catalogue
):
    waiting = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(household, catalogue.good_daughter, "好媳妇：照顾公婆十年"),
        as_=leader,
        key=True,
        expect=409,
    )

    assert waiting["code"] == "approval_required"
    assert waiting["approval"]["board_reason"] == "好媳妇：照顾公婆十年"
    assert api.get(f"/villages/{village.id}/board")["red"] == []
    api.post(
        f"/approvals/{waiting['approval_id']}/decision", json={"approve": True}, as_=admin,
        key=True, expect=200,
    )  # fmt: skip
    red = api.get(f"/villages/{village.id}/board")["red"]
    assert [(i["points"], i["reason"]) for i in red] == [(60, "好媳妇：照顾公婆十年")]


# --- objections ------------------------------------------------------------------------------


@pytest.fixture
def black_entry(api, village, household, leader, catalogue):
    return api.post(
        f"/villages/{village.id}/board-entries", json=entry(household, catalogue.clutter),
        as_=leader, key=True,
    )  # fmt: skip


def test_an_upheld_objection_reverses_the_entry_with_the_reason(
    api, village, household, admin, black_entry
):
    objection = api.post(
        f"/board-entries/{black_entry['id']}/objections",
        json={"household_id": household.id, "reason": "柴草是邻户堆放的"},
        as_=admin,
    )
    assert (objection["status"], objection["filed_by_id"]) == ("pending", admin.user_id)
    assert api.get(f"/villages/{village.id}/board")["black"][0]["pending_objections"] == 1

    decided = api.post(
        f"/objections/{objection['id']}/decision",
        json={"uphold": True, "reason": "经核实，系邻户堆放"},
        as_=admin,
        key=True,
        expect=200,
    )

    assert (decided["status"], decided["decision_reason"]) == ("upheld", "经核实，系邻户堆放")
    assert decided["decided_by_id"] == admin.user_id
    history = api.get(f"/households/{household.id}/transfers", as_=admin)["items"]
    assert (history[0]["id"], history[0]["reverses_id"]) == (
        decided["reversal_id"],
        black_entry["transfer_id"],
    )
    assert history[0]["memo"] == "经核实，系邻户堆放"
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == 0
    assert api.get(f"/villages/{village.id}/board")["black"] == []


def test_a_dismissed_objection_is_recorded_and_the_entry_stays(
    api, village, household, neighbour, admin, black_entry
):
    objection = api.post(
        f"/board-entries/{black_entry['id']}/objections",
        json={"household_id": neighbour.id, "reason": "罚得太重"},
        as_=admin,
    )

    decided = api.post(
        f"/objections/{objection['id']}/decision",
        json={"uphold": False, "reason": "按村规民约执行"},
        as_=admin,
        key=True,
        expect=200,
    )

    assert (decided["status"], decided["reversal_id"]) == ("dismissed", None)
    dismissed = last_audit_entry("objection.dismiss")
    assert (dismissed.actor_id, dismissed.target_id) == (admin.user_id, objection["id"])
    assert changes_of(dismissed)["reason"] == "按村规民约执行"
    assert api.get(f"/households/{household.id}", as_=admin)["balance"] == -10
    listed = api.get(f"/villages/{village.id}/objections?status=dismissed", as_=admin)["items"]
    assert [o["id"] for o in listed] == [objection["id"]]


def test_an_objection_is_decided_once(api, household, admin, black_entry):
    objection = api.post(
        f"/board-entries/{black_entry['id']}/objections",
        json={"household_id": household.id, "reason": "不是我家"},
        as_=admin,
    )
    path = f"/objections/{objection['id']}/decision"
    api.post(path, json={"uphold": False, "reason": "属实"}, as_=admin, key=True, expect=200)

    again = api.post(path, json={"uphold": True, "reason": "改判"}, as_=admin, key=True, expect=409)

    assert again["code"] == "already_decided"


def test_a_household_objects_once_and_only_while_the_entry_is_on_the_board(
    api, household, neighbour, admin, black_entry, clock
):
    body = {"household_id": household.id, "reason": "不服"}
    api.post(f"/board-entries/{black_entry['id']}/objections", json=body, as_=admin)

    twice = api.post(
        f"/board-entries/{black_entry['id']}/objections", json=body, as_=admin, expect=409
    )
    clock(31)
    late = api.post(
        f"/board-entries/{black_entry['id']}/objections",
        json={"household_id": neighbour.id, "reason": "不服"},
        as_=admin,
        expect=409,
    )

    assert twice["code"] == "already_objected"
    assert late["code"] == "not_on_board"


def test_leaders_neither_file_nor_decide_objections(api, household, leader, admin, black_entry):
    api.post(
        f"/board-entries/{black_entry['id']}/objections",
        json={"household_id": household.id, "reason": "不服"},
        as_=leader,
        expect=403,
    )
    objection = api.post(
        f"/board-entries/{black_entry['id']}/objections",
        json={"household_id": household.id, "reason": "不服"},
        as_=admin,
    )

    refused = api.post(
        f"/objections/{objection['id']}/decision", json={"uphold": True, "reason": "x"},
        as_=leader, key=True, expect=403,
    )  # fmt: skip

    assert refused["code"] == "forbidden"


def test_an_objection_needs_the_household_when_an_admin_files_it(api, admin, black_entry):
    refused = api.post(
        f"/board-entries/{black_entry['id']}/objections",
        json={"reason": "不服"},
        as_=admin,
        expect=422,
    )

    assert "household_id" in refused["errors"]


def test_a_photo_larger_than_the_usual_request_limit_is_taken(
    app, api, village, household, leader, catalogue
):
    import random

    rng = random.Random(7)
    noise = Image.frombytes("RGB", (1600, 1380), rng.randbytes(1600 * 1380 * 3))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=98)
    encoded = base64.b64encode(out.getvalue()).decode()
    assert len(encoded) > app.config["MAX_CONTENT_LENGTH"]

    made = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(household, catalogue.burning, photo_base64=encoded),
        as_=leader,
        key=True,
    )

    assert made["has_photo"] is True


def test_a_reason_that_would_read_backwards_on_the_board_is_refused(
    api, village, household, leader, catalogue
):
    turned = entry(household, catalogue.clutter, reason="\u202e道村用占")

    refused = api.post(
        f"/villages/{village.id}/board-entries", json=turned, as_=leader, key=True, expect=422
    )
    typed = api.post(
        f"/villages/{village.id}/board-entries",
        json=entry(household, catalogue.clutter, reason="  乱堆柴草，\r\n占用村道　"),
        as_=leader,
        key=True,
    )

    assert list(refused["errors"]) == ["reason"]
    assert "U+202E" in refused["errors"]["reason"][0]
    assert typed["reason"] == "乱堆柴草，\n占用村道"
    assert [item["id"] for item in api.get(f"/villages/{village.id}/board")["black"]] == [
        typed["id"]
    ]
