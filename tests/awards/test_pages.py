"""The leader pages, in Chinese: finding a household, awarding by rule with the points shown
first, the monthly scoring grid, activities, red and black entries, "my entries", approvals.
Every form posts once per one-time key."""

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from pointsmart.activities.models import Attendance
from pointsmart.awards.models import Approval
from pointsmart.board.models import BoardEntry
from pointsmart.extensions import db
from pointsmart.households.cards import format_code, issue_card
from pointsmart.households.models import Member
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import Transfer
from pointsmart.periods import current_period, local_today
from tests.awards.conftest import add_rule


def transfers_of(household) -> list[Transfer]:
    return list(
        db.session.execute(
            sa.select(Transfer).where(Transfer.household_id == household.id).order_by(Transfer.id)
        ).scalars()
    )


@pytest.fixture
def pages(browse, leader):
    return browse(leader)


@pytest.fixture
def base(village):
    return f"/leader/{village.id}"


def award_on_page(pages, page, data, expect=302):
    """Award as a leader does: show the points first, then save from the confirmation."""
    preview = pages.post(f"{page}/preview", data, page=page, expect=200).get_data(as_text=True)
    fields = dict(pages.FORM_FIELDS.findall(preview))
    return pages.post(f"{page}/award", data, fields=fields, expect=expect)


def test_pages_need_a_signed_in_leader_or_admin(client, browse, make, village):
    response = client.get(f"/leader/{village.id}")
    assert response.status_code == 302
    assert "/login" in response.location
    keeper = browse(make.staff("shopkeeper", village, make.shop(village)))
    keeper.get(f"/leader/{village.id}", expect=403)
    outsider = browse(make.staff("leader", make.village()))
    outsider.get(f"/leader/{village.id}", expect=403)


def test_a_leader_of_one_village_goes_straight_to_it_in_chinese(pages, village, base):
    response = pages.get("/leader", expect=302)
    assert response.location.endswith(base)

    html = pages.text(base)
    assert "月度评分" in html
    assert 'data-card-scanner data-target="#household-query"' in html
    assert re.search(r'src="/static/js/card-scanner\.[0-9a-f]{12}\.js"', html)
    assert "jsQR" not in html.split("data-decoder=")[0]  # the decoder comes with the camera
    assert "<script>" not in html
    assert "style=" not in html


# --- finding a household ---------------------------------------------------------------------


def test_a_household_is_found_by_number_member_name_phone_or_card(
    pages, make, village, household, neighbour, base
):
    db.session.add(Member(household_id=household.id, name="王小燕", relation="女"))
    with_phone = make.household(village, head_name="赵春梅", phone="13812345678")
    card = issue_card(neighbour.id)
    household_page = f"{base}/households/{household.id}"

    assert pages.get(f"{base}/households?q={household.number}", expect=302).location.endswith(
        household_page
    )
    assert pages.get(f"{base}/households?q=王小燕", expect=302).location.endswith(household_page)
    assert pages.get(f"{base}/households?q=13812345678", expect=302).location.endswith(
        f"{base}/households/{with_phone.id}"
    )
    for text in (card.url, card.code, format_code(card.code).lower()):
        found = pages.get(f"{base}/households", query_string={"q": text}, expect=302)
        assert found.location.endswith(f"{base}/households/{neighbour.id}")


def test_a_search_with_several_matches_lists_them_and_a_typo_says_so(
    pages, make, village, household, base
):
    make.household(village, head_name="王建军")
    card = issue_card(household.id)
    typo = card.code[:-1] + ("A" if card.code[-1] != "A" else "B")

    listed = pages.text(f"{base}/households?q=王建")
    mistyped = pages.text(f"{base}/households", query_string={"q": typo})

    assert "王建国" in listed
    assert "王建军" in listed
    assert "卡号" in mistyped or "输入" in mistyped  # "the card code has a typing mistake"
    assert 'aria-invalid="true"' in mistyped


# --- awarding by rule ------------------------------------------------------------------------


def test_the_points_are_shown_before_saving_and_saved_once(pages, household, catalogue, base):
    page = f"{base}/households/{household.id}"
    preview = pages.post(
        f"{page}/preview", {"rule_id": catalogue.volunteer.id, "quantity": "2.25"}, page=page,
        expect=200,
    ).get_data(as_text=True)  # fmt: skip

    assert "+23" in preview  # 2.25 hours x 10 points, rounded half up
    assert "志愿服务每小时" in preview
    assert transfers_of(household) == []

    fields = dict(pages.FORM_FIELDS.findall(preview))
    data = {"rule_id": catalogue.volunteer.id, "quantity": "2.25", "memo": "清扫村道"}
    saved = pages.post(f"{page}/award", data, fields=fields)
    again = pages.post(f"{page}/award", data, fields=fields)  # a double tap, the same form key

    assert saved.location.endswith(page)
    assert again.location.endswith(page)
    [transfer] = transfers_of(household)
    assert (transfer.amount, str(transfer.quantity), transfer.memo) == (23, "2.25", "清扫村道")
    shown = pages.text(page)
    assert "已记 +23 分" in shown
    assert "23 分" in shown


def test_a_refused_award_shows_the_reason_and_posts_nothing(pages, household, catalogue, base):
    page = f"{base}/households/{household.id}"
    award_on_page(pages, page, {"rule_id": catalogue.tidy.id, "quantity": "1"})

    refused = award_on_page(
        pages, page, {"rule_id": catalogue.tidy.id, "quantity": "1"}, expect=409
    ).get_data(as_text=True)

    assert "该户还剩 0 分" in refused
    assert len(transfers_of(household)) == 1


def test_a_bad_quantity_is_named_in_chinese(pages, household, catalogue, base):
    page = f"{base}/households/{household.id}"

    refused = pages.post(
        f"{page}/preview", {"rule_id": catalogue.tidy.id, "quantity": "abc"}, page=page,
        expect=422,
    ).get_data(as_text=True)  # fmt: skip

    assert 'id="quantity-error"' in refused


def test_a_big_award_is_sent_for_approval_and_an_admin_approves_it_on_the_page(
    pages, browse, household, admin, catalogue, base
):
    page = f"{base}/households/{household.id}"
    award_on_page(pages, page, {"rule_id": catalogue.good_daughter.id, "quantity": "1"})
    assert transfers_of(household) == []
    [approval] = db.session.execute(sa.select(Approval)).scalars()

    boss = browse(admin)
    queue = f"{base}/approvals"
    assert "好媳妇" in boss.text(queue) or "+60" in boss.text(queue)
    boss.post(f"{queue}/{approval.id}", {"decision": "approve"}, page=queue, expect=303)

    [transfer] = transfers_of(household)
    assert (transfer.amount, transfer.posted_by_id) == (60, admin.user_id)


def test_the_queue_warns_of_an_approval_for_a_month_whose_sheet_is_printed(
    browse, household, admin, catalogue, village, base
):
    """A leader proposed for last month before its 公示 sheet was printed: approving it now
    posts into the printed month, so the admin is told before deciding."""
    from pointsmart.awards import approvals
    from pointsmart.periods import previous_period
    from pointsmart.reports.sheet import mark_printed

    last_month = previous_period(current_period(village.timezone))
    approvals.propose(
        admin.principal, village.id, household_id=household.id,
        rule_id=catalogue.good_daughter.id, quantity=1, period=last_month,
    )  # fmt: skip
    queue = f"{base}/approvals"
    assert "公示表已经打印" not in browse(admin).text(queue)

    mark_printed(village.id, last_month)
    db.session.expire_all()  # the test's session outlives the request that loaded the village

    assert f"{last_month} 的公示表已经打印" in browse(admin).text(queue)


def test_a_leader_reverses_their_own_entry_from_my_entries(pages, household, catalogue, base):
    page = f"{base}/households/{household.id}"
    award_on_page(pages, page, {"rule_id": catalogue.sorting.id, "quantity": "1"})
    [award] = transfers_of(household)
    mine = f"{base}/mine"
    assert "+5" in pages.text(mine)

    pages.post(
        f"{base}/transfers/{award.id}/reverse",
        {"reason": "录错户", "next": mine},
        page=mine,
        expect=303,
    )

    assert [t.amount for t in transfers_of(household)] == [5, 5]
    assert transfers_of(household)[1].reverses_id == award.id


# --- the monthly scoring grid ----------------------------------------------------------------


def test_a_grid_is_scored_for_a_month_in_one_save(pages, make, village, catalogue, base):
    grid = make.grid(village)
    first, second = make.household(village, grid=grid), make.household(village, grid=grid)
    period = current_period(village.timezone)
    page = f"{base}/scoring?grid_id={grid.id}&period={period}"
    html = pages.text(page)
    assert f'name="q-{first.id}-{catalogue.tidy.id}"' in html
    assert 'type="checkbox"' in html

    pages.post(
        f"{base}/scoring",
        {
            "grid_id": grid.id,
            "period": period,
            f"q-{first.id}-{catalogue.tidy.id}": "1",
            f"q-{first.id}-{catalogue.sorting.id}": "2",
            f"q-{second.id}-{catalogue.tidy.id}": "1",
        },
        page=page,
    )

    assert [t.amount for t in transfers_of(first)] == [10, 10]
    assert [t.amount for t in transfers_of(second)] == [10]
    after = pages.text(page)
    assert f'name="q-{first.id}-{catalogue.tidy.id}"' not in after  # already scored
    assert "已评" in after


def test_hours_too_large_for_any_number_in_a_grid_cell_are_refused_in_the_cell(
    pages, make, village, base
):
    """A rule counted in hours takes the cell's text as typed: ``1e30`` was a 500."""
    grid = make.grid(village)
    household = make.household(village, grid=grid)
    today = local_today(village.timezone)
    rule = add_rule(village, "xl", "巡逻", "rule", 2, unit="hour", valid_from=today)
    period = current_period(village.timezone)
    page = f"{base}/scoring?grid_id={grid.id}&period={period}"

    response = pages.post(
        f"{base}/scoring",
        {"grid_id": grid.id, "period": period, f"q-{household.id}-{rule.id}": "1e30"},
        page=page,
        expect=409,  # the batch is refused, the reason in the cell
    )

    html = response.get_data(as_text=True)
    assert "scoring-item has-error" in html
    assert '<p class="field-error">请填写时长：大于 0、不超过 24 小时' in html  # the cell's own
    assert transfers_of(household) == []


def test_a_grid_asked_for_by_no_number_is_refused_not_shown_for_the_whole_village(
    pages, make, village, base
):
    grid = make.grid(village)
    make.household(village, grid=grid)
    other = make.household(village)

    refused = pages.get(f"{base}/scoring?grid_id=bogus", expect=422).get_data(as_text=True)

    assert other.number not in refused


def test_one_bad_cell_saves_nothing_and_is_marked(pages, make, village, catalogue, base):
    grid = make.grid(village)
    first, second = make.household(village, grid=grid), make.household(village, grid=grid)
    period = current_period(village.timezone)
    page = f"{base}/scoring?grid_id={grid.id}&period={period}"

    refused = pages.post(
        f"{base}/scoring",
        {
            "grid_id": grid.id,
            "period": period,
            f"q-{first.id}-{catalogue.tidy.id}": "1",
            f"q-{second.id}-{catalogue.sorting.id}": "9",
        },
        page=page,
        expect=409,
    ).get_data(as_text=True)

    assert "has-error" in refused
    assert transfers_of(first) == []
    assert transfers_of(second) == []


def test_a_cell_naming_ids_no_row_can_have_is_no_cell_of_the_grid(
    pages, make, village, catalogue, base
):
    grid = make.grid(village)
    household = make.household(village, grid=grid)
    period = current_period(village.timezone)
    page = f"{base}/scoring?grid_id={grid.id}&period={period}"

    # 9999999999 fits the cell's pattern but not PostgreSQL's INTEGER: it answered 500.
    refused = pages.post(
        f"{base}/scoring",
        {"grid_id": grid.id, "period": period, f"q-9999999999-{catalogue.tidy.id}": "1",
         f"q-{household.id}-9999999999": "1", f"q-１-{catalogue.tidy.id}": "1"},
        page=page,
        expect=422,
    ).get_data(as_text=True)  # fmt: skip

    assert "没有勾选或填写任何一项。" in refused
    assert transfers_of(household) == []


def test_a_grid_saved_from_a_stale_page_does_not_score_a_household_twice(
    pages, make, village, leader, base
):
    # Issue 15, item 8, on the page: another leader scored the household after this page was
    # opened; saving it must not score the month again under a new form key.
    fees = add_rule(village, "jnwsf", "按时缴纳卫生费", "rule", 5, valid_from=dt.date(2020, 1, 1))
    grid = make.grid(village)
    household = make.household(village, grid=grid)
    period = current_period(village.timezone)
    page = f"{base}/scoring?grid_id={grid.id}&period={period}"
    cell = f"q-{household.id}-{fees.id}"
    stale = dict(pages.FORM_FIELDS.findall(pages.text(page)))
    pages.post(f"{base}/scoring", {"grid_id": grid.id, "period": period, cell: "1"}, page=page)

    refused = pages.post(
        f"{base}/scoring", {"grid_id": grid.id, "period": period, cell: "1"}, fields=stale,
        expect=409,
    ).get_data(as_text=True)  # fmt: skip

    assert "已按这条细则评过 5 分" in refused
    assert [t.amount for t in transfers_of(household)] == [5]


# --- activities ------------------------------------------------------------------------------


def todays_activity(pages, village, catalogue, base) -> str:
    """An activity of today paid by the volunteer rule, made on its page: its page's path."""
    created = pages.post(
        f"{base}/activities",
        {
            "title": "清扫",
            "date": local_today(village.timezone).isoformat(),
            "rule_id": catalogue.volunteer.id,
        },
        page=f"{base}/activities",
    )
    return created.location


def test_an_activity_is_created_attendees_checked_in_and_posted(
    pages, village, household, neighbour, catalogue, base
):
    created = pages.post(
        f"{base}/activities",
        {
            "title": "清扫村道",
            "date": local_today(village.timezone).isoformat(),
            "place": "村口",
            "rule_id": catalogue.volunteer.id,
        },
        page=f"{base}/activities",
    )
    activity_page = created.location
    html = pages.text(activity_page)
    assert "清扫村道" in html
    assert 'data-target="#checkin-query"' in html
    card = issue_card(household.id)

    pages.post(
        f"{activity_page}/checkin", {"q": card.code, "member_name": "王建国"}, page=activity_page
    )
    pages.post(f"{activity_page}/checkin", {"q": neighbour.number}, page=activity_page)
    page = pages.text(activity_page)
    ids = [int(i) for i in re.findall(r"/attendances/(\d+)", page)]
    for attendance_id, hours in zip(sorted(set(ids)), ["2.5", "1"], strict=True):
        pages.post(
            f"{activity_page}/attendances/{attendance_id}", {"action": "hours", "hours": hours},
            page=activity_page,
        )  # fmt: skip
    pages.post(f"{activity_page}/post", {}, page=activity_page)

    assert [(t.amount, str(t.quantity)) for t in transfers_of(household)] == [(25, "2.50")]
    assert [t.amount for t in transfers_of(neighbour)] == [10]
    after = pages.text(activity_page)
    assert "3.5 小时，35 分" in after
    assert "为所有待记分的人记分" not in after  # nobody waits any more


def test_a_card_of_another_village_at_a_check_in_says_so(pages, make, village, catalogue, base):
    activity_page = todays_activity(pages, village, catalogue, base)
    elsewhere = issue_card(make.household(make.village()).id)

    refused = pages.post(
        f"{activity_page}/checkin", {"q": elsewhere.code}, page=activity_page, expect=403
    )

    assert "这张卡属于别的村" in refused.get_data(as_text=True)


def test_a_check_out_right_after_check_in_is_refused_with_words(
    pages, village, household, catalogue, base
):
    activity_page = todays_activity(pages, village, catalogue, base)
    assert "为所有待记分的人记分" not in pages.text(activity_page)  # nobody checked in yet
    pages.post(f"{activity_page}/checkin", {"q": household.number}, page=activity_page)
    attendance_id = re.search(r"/attendances/(\d+)", pages.text(activity_page)).group(1)

    refused = pages.post(
        f"{activity_page}/attendances/{attendance_id}", {"action": "checkout"},
        page=activity_page, expect=422,
    ).get_data(as_text=True)  # fmt: skip

    assert "签到后不到一分钟就签退" in refused
    attendance = db.session.get(Attendance, int(attendance_id))
    assert (attendance.checked_out_at, attendance.hours) == (None, None)  # nothing half-done
    assert "为所有待记分的人记分" in refused  # one attendee waits


def test_hours_posted_wrong_are_corrected_after_the_reversal(
    pages, village, household, catalogue, base
):
    activity_page = todays_activity(pages, village, catalogue, base)
    pages.post(f"{activity_page}/checkin", {"q": household.number}, page=activity_page)
    attendance_id = re.search(r"/attendances/(\d+)", pages.text(activity_page)).group(1)
    change = f"{activity_page}/attendances/{attendance_id}"
    pages.post(change, {"action": "hours", "hours": "5"}, page=activity_page)
    pages.post(f"{activity_page}/post", {}, page=activity_page)
    wrong = db.session.get(Attendance, int(attendance_id)).transfer_id
    ledger.reverse(wrong, reason="应为2小时")

    page = pages.text(activity_page)
    assert "改正时长，重新记分" in page
    pages.post(change, {"action": "hours", "hours": "2"}, page=activity_page)
    assert "为所有待记分的人记分" in pages.text(activity_page)
    pages.post(f"{activity_page}/post", {}, page=activity_page)

    assert [t.amount for t in transfers_of(household)] == [50, 50, 20]  # award, reversal, award
    assert "2 小时，20 分" in pages.text(activity_page)


# --- red and black list ----------------------------------------------------------------------


def test_a_black_entry_with_a_photo_is_made_from_the_household(
    app, pages, household, catalogue, base, tmp_path
):
    app.config["BOARD_PHOTO_DIR"] = str(tmp_path)
    photo = io.BytesIO()
    Image.new("RGB", (30, 20), (90, 90, 90)).save(photo, "JPEG")
    page = f"{base}/households/{household.id}/board-entry"
    try:
        pages.post(
            page,
            {
                "rule_id": catalogue.burning.id,
                "reason": "田间焚烧秸秆",
                "photo": (io.BytesIO(photo.getvalue()), "burn.jpg"),
            },
            page=page,
            content_type="multipart/form-data",
        )
    finally:
        app.config.pop("BOARD_PHOTO_DIR")

    [entry] = db.session.execute(sa.select(BoardEntry)).scalars()
    assert (entry.kind, entry.reason) == ("black", "田间焚烧秸秆")
    assert entry.photo is not None
    assert [t.amount for t in transfers_of(household)] == [30]
    assert "田间焚烧秸秆" in pages.text(f"{base}/board")


def test_an_entry_with_a_file_that_is_not_a_photo_is_refused(pages, household, catalogue, base):
    page = f"{base}/households/{household.id}/board-entry"

    refused = pages.post(
        page,
        {
            "rule_id": catalogue.burning.id,
            "reason": "田间焚烧秸秆",
            "photo": (io.BytesIO(b"<svg onload=alert(1)>"), "burn.jpg"),
        },
        page=page,
        content_type="multipart/form-data",
        expect=422,
    ).get_data(as_text=True)

    assert "JPEG" in refused
    assert transfers_of(household) == []


def test_an_admin_upholds_an_objection_on_the_page(
    browse, leader, admin, household, catalogue, base
):
    from pointsmart.board import entries as board
    from pointsmart.board import objections

    entry = board.create_entry(
        leader.principal, household_id=household.id, rule_id=catalogue.clutter.id, reason="乱堆柴草"
    ).extra["entry"]
    objection = objections.raise_objection(
        admin.principal, entry.id, household_id=household.id, reason="柴草是邻居家的"
    )
    boss = browse(admin)
    queue = f"{base}/objections"
    assert "柴草是邻居家的" in boss.text(queue)

    boss.post(
        f"{queue}/{objection.id}",
        {"decision": "uphold", "reason": "经核实属实"},
        page=queue,
        expect=303,
    )

    assert [t.amount for t in transfers_of(household)] == [10, 10]
    assert "没有待审批的事项" in boss.text(queue)
    browse(leader).get(queue, expect=403)


def test_a_number_typed_full_width_opens_that_household_among_longer_numbers(
    pages, make, village, base
):
    first = make.household(village, number="XF-101")
    make.household(village, number="XF-1010")  # holds "XF-101" too

    found = pages.get(f"{base}/households", query_string={"q": "XF-１０１"}, expect=302)

    assert found.location.endswith(f"{base}/households/{first.id}")


# One past PostgreSQL's INTEGER, and one past SQLite's (which failed as an OverflowError, 500).
BEYOND_ANY_ROW = ["2147483648", "9" * 30]


@pytest.mark.parametrize("beyond", BEYOND_ANY_ROW)
def test_a_rule_id_no_row_can_have_is_a_form_error_on_every_leader_form(
    pages, village, household, catalogue, base, beyond
):
    page = f"{base}/households/{household.id}"
    sent = {"rule_id": beyond, "quantity": "1", "reason": "乱堆乱放"}

    previewed = pages.post(f"{page}/preview", sent, page=page, expect=422)
    # The award is saved from the confirmation a valid preview shows, its rule then tampered.
    confirmation = pages.post(
        f"{page}/preview", {**sent, "rule_id": catalogue.tidy.id}, page=page, expect=200
    ).get_data(as_text=True)
    fields = dict(pages.FORM_FIELDS.findall(confirmation))
    awarded = pages.post(f"{page}/award", sent, fields=fields, expect=422)
    entered = pages.post(f"{page}/board-entry", sent, page=f"{page}/board-entry", expect=422)
    activity = {"title": "清扫", "date": local_today(village.timezone).isoformat()}
    created = pages.post(
        f"{base}/activities", {**activity, "rule_id": beyond}, page=f"{base}/activities",
        expect=422,
    )  # fmt: skip

    for refused in (previewed, awarded, entered, created):
        assert "本村没有这条细则。" in refused.get_data(as_text=True)
    assert transfers_of(household) == []


@pytest.mark.parametrize("beyond", BEYOND_ANY_ROW)
def test_a_household_id_no_row_can_have_at_a_check_in_is_no_such_household(
    pages, village, household, catalogue, base, beyond
):
    activity_page = todays_activity(pages, village, catalogue, base)

    refused = pages.post(
        f"{activity_page}/checkin", {"household_id": beyond}, page=activity_page, expect=404
    )

    assert "没有这一户。" in refused.get_data(as_text=True)
    assert db.session.execute(sa.select(Attendance)).first() is None
