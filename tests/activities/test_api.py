"""Volunteer activities through the API: creating, checking in and out (by card too),
correcting hours, posting the attendance all or none, and the totals."""

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointsmart import clock
from pointsmart.activities import attendance as posting
from pointsmart.activities import service as activities
from pointsmart.activities.models import Attendance
from pointsmart.audit.service import changes_of
from pointsmart.awards import service
from pointsmart.awards.errors import AlreadyPosted, BatchRefused
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.households.cards import issue_card
from pointsmart.ledger import service as ledger
from pointsmart.ledger.errors import AlreadyReversed
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import local_today
from tests.audit.test_api_changes_are_audited import _last as last_audit_entry
from tests.awards.conftest import add_rule
from tests.factories import ROOT


@pytest.fixture
def activity(api, village, leader, catalogue):
    return api.post(
        f"/villages/{village.id}/activities",
        json={
            "title": "清扫村道",
            "date": local_today(village.timezone).isoformat(),
            "place": "村委会门口",
            "rule_id": catalogue.volunteer.id,
        },
        as_=leader,
    )


def count_transfers(village_id) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Transfer).where(Transfer.village_id == village_id)
    ).scalar_one()


def test_a_leader_creates_an_activity_paid_by_a_volunteer_hour_rule(api, village, leader, activity):
    assert (activity["title"], activity["place"]) == ("清扫村道", "村委会门口")
    assert activity["rule"]["code"] == "zyfw"
    assert (activity["total_hours"], activity["total_points"]) == (0, 0)
    listed = api.get(f"/villages/{village.id}/activities", as_=leader)
    assert [a["id"] for a in listed["items"]] == [activity["id"]]


@pytest.mark.parametrize("rule_name", ["tidy", "filial"])
def test_an_activity_needs_a_volunteer_rule_counted_in_hours(
    api, village, leader, catalogue, rule_name
):
    refused = api.post(
        f"/villages/{village.id}/activities",
        json={"title": "x", "date": "2026-01-01", "rule_id": getattr(catalogue, rule_name).id},
        as_=leader,
        expect=422,
    )

    assert refused["code"] == "wrong_rule_kind"


def test_attendance_posts_one_award_per_attendee_with_the_hours_kept(
    api, village, household, neighbour, leader, activity
):
    posted = api.post(
        f"/activities/{activity['id']}/attendance",
        json=[
            {"household_id": household.id, "member_name": "王建国", "hours": 2.5},
            {"household_id": household.id, "member_name": "张桂兰", "hours": 2},
            {"household_id": neighbour.id, "member_name": "李秀英", "hours": 1.25},
        ],
        as_=leader,
        key=True,
    )

    assert (posted["count"], posted["hours"], posted["points"]) == (3, 5.75, 58)
    assert [(i["amount"], i["quantity"]) for i in posted["items"]] == [
        (25, 2.5),
        (20, 2),
        (13, 1.25),
    ]
    assert all(i["category"] == "volunteer" for i in posted["items"])
    shown = api.get(f"/activities/{activity['id']}", as_=leader)
    assert (shown["total_hours"], shown["total_points"]) == (5.75, 58)
    assert [a["member_name"] for a in shown["attendees"]] == ["王建国", "张桂兰", "李秀英"]
    assert api.get(f"/households/{household.id}", as_=leader)["balance"] == 45


def test_attendance_is_all_or_none_and_names_every_bad_entry(
    api, make, village, household, neighbour, leader, activity
):
    stranger = make.household(make.village())

    refused = api.post(
        f"/activities/{activity['id']}/attendance",
        json=[
            {"household_id": household.id, "member_name": "王建国", "hours": 2},
            {"household_id": neighbour.id, "member_name": "李秀英", "hours": 12},
            {"household_id": stranger.id, "member_name": "外村人", "hours": 1},
            {"household_id": neighbour.id, "member_name": "李小燕", "hours": 30},
        ],
        as_=leader,
        key=True,
        expect=409,
    )

    assert refused["code"] == "batch_refused"
    assert [(e["index"], e["code"]) for e in refused["entries"]] == [
        (1, "monthly_cap_reached"),
        (2, "not_found"),
        (3, "validation_failed"),
    ]
    assert count_transfers(village.id) == 0


def test_a_posted_attendee_is_not_posted_again(api, household, leader, activity):
    entry = {"household_id": household.id, "member_name": "王建国", "hours": 1}
    api.post(f"/activities/{activity['id']}/attendance", json=[entry], as_=leader, key=True)

    refused = api.post(
        f"/activities/{activity['id']}/attendance", json=[entry], as_=leader, key=True, expect=409
    )

    assert refused["entries"][0]["code"] == "already_posted"


def test_check_in_by_card_and_out_gives_the_hours_which_can_be_corrected(
    api, village, household, leader, activity
):
    card = issue_card(household.id)

    checked_in = api.post(
        f"/activities/{activity['id']}/checkins",
        json={"card": card.url, "member_name": "王建国"},
        as_=leader,
    )
    by_code = api.post(
        f"/activities/{activity['id']}/checkins",
        json={"card": card.code, "member_name": "张桂兰"},
        as_=leader,
    )
    row = db.session.get(Attendance, checked_in["id"])
    row.checked_in_at = utcnow() - dt.timedelta(hours=2, minutes=15)
    db.session.flush()

    out = api.post(f"/attendances/{checked_in['id']}/checkout", as_=leader, expect=200)
    corrected = api.request(
        "PATCH", f"/attendances/{by_code['id']}", json={"hours": 1.5}, as_=leader, expect=200
    ).get_json()

    assert out["household_id"] == household.id
    assert out["hours"] == 2.25
    assert corrected["hours"] == 1.5
    correction = last_audit_entry("attendance.correct")
    assert (correction.actor_id, correction.target_id) == (leader.user_id, activity["id"])
    assert changes_of(correction) == {"household_id": household.id, "hours": [None, "1.50"]}
    assert changes_of(last_audit_entry("activity.create"))["title"] == "清扫村道"
    shown = api.get(f"/activities/{activity['id']}", as_=leader)
    assert shown["pending_hours"] == 3.75
    assert shown["total_points"] == 0


def test_a_revoked_card_does_not_check_in(api, household, leader, activity):
    old = issue_card(household.id)
    issue_card(household.id)

    refused = api.post(
        f"/activities/{activity['id']}/checkins", json={"card": old.url}, as_=leader, expect=410
    )

    assert refused["code"] == "card_revoked"


def test_a_posted_attendance_can_no_longer_change(api, household, leader, activity):
    checked_in = api.post(
        f"/activities/{activity['id']}/checkins", json={"household_id": household.id}, as_=leader
    )
    api.post(
        f"/activities/{activity['id']}/attendance",
        json=[{"household_id": household.id, "hours": 1}],
        as_=leader,
        key=True,
    )

    refused = api.request(
        "PATCH", f"/attendances/{checked_in['id']}", json={"hours": 3}, as_=leader, expect=409
    ).get_json()

    assert refused["code"] == "already_posted"


def test_an_activity_in_the_future_cannot_be_posted_yet(api, village, household, leader, catalogue):
    later = api.post(
        f"/villages/{village.id}/activities",
        json={
            "title": "植树",
            "date": (local_today(village.timezone) + dt.timedelta(days=5)).isoformat(),
            "rule_id": catalogue.volunteer.id,
        },
        as_=leader,
    )

    refused = api.post(
        f"/activities/{later['id']}/attendance",
        json=[{"household_id": household.id, "hours": 1}],
        as_=leader,
        key=True,
        expect=422,
    )

    assert "activity" in refused["errors"]


def test_an_activity_uses_the_rule_version_in_force_on_its_day(
    api, village, household, leader, admin
):
    rule = add_rule(
        village, "vol2", "志愿服务", "volunteer", 8, unit="hour", valid_from=dt.date(2020, 1, 1)
    )
    past = api.post(
        f"/villages/{village.id}/activities",
        json={"title": "防汛巡逻", "date": "2021-07-01", "rule_id": rule.id},
        as_=leader,
    )
    api.request("PATCH", f"/rules/{rule.id}", json={"points": 12}, as_=admin, expect=200)

    posted = api.post(
        f"/activities/{past['id']}/attendance",
        json=[{"household_id": household.id, "hours": 2}],
        as_=admin,  # a month this old is the committee's to enter
        key=True,
    )

    assert (posted["items"][0]["amount"], posted["items"][0]["period"]) == (16, "2021-07")


def test_taking_out_an_attendee_before_posting_is_audited(household, leader, activity):
    from pointsmart.activities import service as activities

    attendance = activities.check_in(
        leader.principal, activity["id"], household_id=household.id, member_name="王建国"
    )
    activities.correct_hours(leader.principal, attendance.id, 2)

    activities.remove_attendance(leader.principal, attendance.id)

    assert db.session.get(Attendance, attendance.id) is None
    removed = last_audit_entry("attendance.remove")
    assert (removed.actor_id, removed.target_id) == (leader.user_id, activity["id"])
    assert changes_of(removed) == {
        "household_id": household.id,
        "member_name": "王建国",
        "hours": "2.00",
    }


def test_one_household_cannot_be_paid_for_invented_or_look_alike_attendees(
    api, household, leader, activity
):
    """王建国 (the head) and 张桂兰 (a member) are the household; 甲 is not, and 张桂兰 with a
    zero-width space is no one: each is refused, so the batch posts nothing."""
    refused = api.post(
        f"/activities/{activity['id']}/attendance",
        json=[
            {"household_id": household.id, "member_name": "王建国", "hours": 1},
            {"household_id": household.id, "member_name": "甲", "hours": 1},
            {"household_id": household.id, "member_name": "张桂兰\u200b", "hours": 1},
            {"household_id": household.id, "member_name": "张桂兰", "hours": 1},
            {"household_id": household.id, "member_name": " 张桂兰 ", "hours": 1},
        ],
        as_=leader,
        key=True,
        expect=422,
    )
    assert refused["errors"] == {
        "2": {"member_name": ["含有看不见的字符或改变文字方向的字符（U+200B）：请删掉后重新输入。"]}
    }
    assert count_transfers(household.village_id) == 0

    refused = api.post(
        f"/activities/{activity['id']}/attendance",
        json=[
            {"household_id": household.id, "member_name": "王建国", "hours": 1},
            {"household_id": household.id, "member_name": "甲", "hours": 1},
            {"household_id": household.id, "member_name": "张桂兰", "hours": 1},
            {"household_id": household.id, "member_name": " 张桂兰 ", "hours": 1},
        ],
        as_=leader,
        key=True,
        expect=409,
    )
    assert [(e["index"], e["code"]) for e in refused["entries"]] == [
        (1, "validation_failed"),
        (3, "validation_failed"),  # the same member twice, however spaced
    ]
    assert "甲" in refused["entries"][0]["errors"]["member_name"][0]
    assert count_transfers(household.village_id) == 0


def test_checking_in_an_invented_or_invisible_name_is_refused(api, household, leader, activity):
    checkins = f"/activities/{activity['id']}/checkins"

    invented = api.post(
        checkins, json={"household_id": household.id, "member_name": "乙"}, as_=leader,
        expect=422,
    )  # fmt: skip
    invisible = api.post(
        checkins, json={"household_id": household.id, "member_name": "张桂兰\u200b"},
        as_=leader, expect=422,
    )  # fmt: skip
    member = api.post(
        checkins, json={"household_id": household.id, "member_name": "张桂兰"}, as_=leader
    )

    assert list(invented["errors"]) == ["member_name"]
    assert "U+200B" in invisible["errors"]["member_name"][0]
    assert member["member_name"] == "张桂兰"


def test_a_check_out_within_36_seconds_is_refused_and_records_nothing(
    api, household, leader, activity
):
    checked_in = api.post(
        f"/activities/{activity['id']}/checkins", json={"household_id": household.id}, as_=leader
    )

    refused = api.post(f"/attendances/{checked_in['id']}/checkout", as_=leader, expect=422)

    assert refused["code"] == "checked_out_too_soon"
    row = db.session.get(Attendance, checked_in["id"])
    assert (row.checked_out_at, row.hours) == (None, None)


def test_a_second_check_out_is_refused_and_hours_corrected_by_hand_stand(
    api, household, leader, activity
):
    checked_in = api.post(
        f"/activities/{activity['id']}/checkins", json={"household_id": household.id}, as_=leader
    )
    row = db.session.get(Attendance, checked_in["id"])
    row.checked_in_at = utcnow() - dt.timedelta(hours=3)
    db.session.flush()
    api.post(f"/attendances/{checked_in['id']}/checkout", as_=leader, expect=200)
    api.request(
        "PATCH", f"/attendances/{checked_in['id']}", json={"hours": 2}, as_=leader, expect=200
    )

    again = api.post(f"/attendances/{checked_in['id']}/checkout", as_=leader, expect=409)

    assert again["code"] == "already_checked_out"
    assert db.session.get(Attendance, checked_in["id"]).hours == 2


# --- correcting posted hours (issue 15, item 9) ----------------------------------------------


def post_one(api, leader, activity, household, hours, member_name="王建国", expect=201):
    return api.post(
        f"/activities/{activity['id']}/attendance",
        json=[{"household_id": household.id, "member_name": member_name, "hours": hours}],
        as_=leader,
        key=True,
        expect=expect,
    )


def test_after_a_reversal_the_right_hours_are_posted_again(
    api, village, household, leader, activity
):
    wrong = post_one(api, leader, activity, household, 5)["items"][0]
    api.post(f"/transfers/{wrong['id']}/reversal", json={"reason": "应为2小时"}, as_=leader,
             key=True)  # fmt: skip
    attendee = api.get(f"/activities/{activity['id']}", as_=leader)["attendees"][0]
    assert attendee["reversed"] is True

    right = post_one(api, leader, activity, household, 2)

    assert [(i["amount"], i["quantity"]) for i in right["items"]] == [(20, 2)]
    shown = api.get(f"/activities/{activity['id']}", as_=leader)
    assert [a["transfer_id"] for a in shown["attendees"]] == [right["items"][0]["id"]]
    assert (shown["total_hours"], shown["total_points"]) == (2, 20)
    assert api.get(f"/households/{household.id}", as_=leader)["balance"] == 20
    reopened = last_audit_entry("attendance.reopen")
    assert changes_of(reopened)["transfer_id"] == wrong["id"]
    # The new award stands: it is not posted a third time.
    again = post_one(api, leader, activity, household, 2, expect=409)
    assert again["entries"][0]["code"] == "already_posted"


def test_after_a_reversal_the_attendee_checks_in_again_or_gets_hours_set(
    api, village, household, leader, activity
):
    checked_in = api.post(
        f"/activities/{activity['id']}/checkins", json={"household_id": household.id,
        "member_name": "张桂兰"}, as_=leader,
    )  # fmt: skip
    posted = post_one(api, leader, activity, household, 4, member_name="张桂兰")["items"][0]
    # While the award stands the attendance does not change.
    refused = api.post(
        f"/activities/{activity['id']}/checkins",
        json={"household_id": household.id, "member_name": "张桂兰"},
        as_=leader,
        expect=409,
    )
    assert refused["code"] == "already_posted"
    api.post(f"/transfers/{posted['id']}/reversal", json={"reason": "多记了"}, as_=leader,
             key=True)  # fmt: skip

    again = api.post(
        f"/activities/{activity['id']}/checkins",
        json={"household_id": household.id, "member_name": "张桂兰"},
        as_=leader,
    )
    assert again["id"] == checked_in["id"]
    row = db.session.get(Attendance, again["id"])
    assert (row.transfer_id, row.hours, row.checked_out_at) == (None, None, None)
    corrected = api.request(
        "PATCH", f"/attendances/{again['id']}", json={"hours": 1.5}, as_=leader, expect=200
    ).get_json()
    assert corrected["hours"] == 1.5
    shown = api.get(f"/activities/{activity['id']}", as_=leader)
    assert shown["pending_hours"] == 1.5
    assert shown["total_points"] == 0


def test_a_reversed_attendance_without_a_new_check_in_is_not_checked_out(
    api, household, leader, activity
):
    checked_in = api.post(
        f"/activities/{activity['id']}/checkins", json={"household_id": household.id},
        as_=leader,
    )  # fmt: skip
    posted = post_one(api, leader, activity, household, 1, member_name="")["items"][0]
    api.post(f"/transfers/{posted['id']}/reversal", json={"reason": "错"}, as_=leader, key=True)

    refused = api.post(f"/attendances/{checked_in['id']}/checkout", as_=leader, expect=409)

    assert refused["code"] == "already_posted"


hours_steps = st.lists(
    st.tuples(
        st.sampled_from(["post", "reverse", "check_in", "correct"]),
        st.integers(0, 1),  # which attendee
        st.integers(1, 16).map(lambda quarters: Decimal(quarters) / 4),  # hours
    ),
    min_size=1,
    max_size=15,
)


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=hours_steps)
def test_whatever_the_corrections_an_attendee_has_one_standing_award(make, steps):
    savepoint = db.session.begin_nested()
    try:
        village = make.village()
        household = make.household(village, head_name="王建国", members=[
            {"name": "张桂兰", "relation": "配偶"}])  # fmt: skip
        rule = add_rule(village, "zyfw", "志愿服务", "volunteer", 10, unit="hour",
                        valid_from=dt.date(2020, 1, 1))  # fmt: skip
        activity = activities.create_activity(
            ROOT, village.id, title="清扫村道", date=local_today(village.timezone), rule_id=rule.id
        )
        names = ["王建国", "张桂兰"]
        for who, hours in ((0, Decimal(1)), (1, Decimal(2))):
            posting.post_attendance(
                ROOT, activity.id, [{"household_id": household.id, "member_name": names[who],
                                     "hours": hours}],
            )  # fmt: skip
        for op, who, hours in steps:
            row = db.session.execute(
                sa.select(Attendance).where(
                    Attendance.activity_id == activity.id, Attendance.member_name == names[who]
                )
            ).scalar_one()
            try:
                with db.session.begin_nested():
                    if op == "post":
                        posting.post_attendance(
                            ROOT, activity.id, [{"household_id": household.id,
                                                 "member_name": names[who], "hours": hours}],
                        )  # fmt: skip
                    elif op == "reverse" and row.transfer_id is not None:
                        service.reverse_entry(ROOT, row.transfer_id, reason="时长记错")
                    elif op == "check_in":
                        activities.check_in(
                            ROOT, activity.id, household_id=household.id, member_name=names[who]
                        )
                    elif op == "correct":
                        activities.correct_hours(ROOT, row.id, hours)
            except (AlreadyPosted, BatchRefused, AlreadyReversed):
                pass
        view = activities.get_activity(ROOT, activity.id)
        reversed_ids = set(
            db.session.execute(
                sa.select(Transfer.reverses_id).where(Transfer.village_id == village.id)
            ).scalars()
        )
        awards = db.session.execute(
            sa.select(Transfer.id, Transfer.amount).where(
                Transfer.village_id == village.id, Transfer.reverses_id.is_(None)
            )
        ).all()
        standing = {tid: amount for tid, amount in awards if tid not in reversed_ids}
        # Each attendee is paid by at most one award that stands, and it is the one it names.
        assert len(standing) <= 2
        named = {a["transfer_id"] for a in view.attendees} - {None}
        assert set(standing) <= named
        assert view.total_points == sum(standing.values())
        balance = ledger.account_balance(village.id, f"household:{household.id}")
        assert balance == sum(standing.values())
        report = verify_village(village.id)
        assert report.ok, report.problems
    finally:
        savepoint.rollback()


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "9999-12-01"])
def test_an_activity_on_a_day_whose_month_the_ledger_has_not_is_refused(
    api, village, leader, catalogue, day
):
    """Taken, it could never be posted: its awards would count in no month of the ledger."""
    body = {"title": "清扫村道", "date": day, "rule_id": catalogue.volunteer.id}

    refused = api.post(f"/villages/{village.id}/activities", json=body, as_=leader, expect=422)

    assert list(refused["errors"]) == ["date"]


def test_the_household_without_a_name_is_its_head_and_is_paid_once(
    api, household, leader, activity
):
    """Regression: checked in by card (no name) and again by the head's name, the head was two
    attendees, each paid for the same hours."""
    checkins = f"/activities/{activity['id']}/checkins"
    by_card = api.post(checkins, json={"household_id": household.id}, as_=leader)
    by_name = api.post(
        checkins, json={"household_id": household.id, "member_name": "王建国"}, as_=leader
    )

    assert by_name["id"] == by_card["id"]
    assert by_card["member_name"] == "王建国"
    refused = api.post(
        f"/activities/{activity['id']}/attendance",
        json=[
            {"household_id": household.id, "hours": 2},
            {"household_id": household.id, "member_name": "王建国", "hours": 2},
        ],
        as_=leader,
        key=True,
        expect=409,
    )
    assert [(e["index"], e["code"]) for e in refused["entries"]] == [(1, "validation_failed")]
    assert count_transfers(household.village_id) == 0


def test_a_head_checked_in_without_a_name_before_is_found_by_name(api, household, leader, activity):
    # Kept so before the household without a name was its head.
    db.session.add(
        Attendance(
            activity_id=activity["id"], household_id=household.id, member_name="",
            checked_in_at=utcnow(), recorded_by_id=leader.user_id,
        )
    )  # fmt: skip
    db.session.flush()

    again = api.post(
        f"/activities/{activity['id']}/checkins",
        json={"household_id": household.id, "member_name": "王建国"},
        as_=leader,
    )

    assert again["member_name"] == ""
    assert db.session.execute(sa.select(sa.func.count()).select_from(Attendance)).scalar() == 1


def test_check_in_and_out_are_on_the_activitys_day(api, village, household, leader, catalogue):
    """Regression: checked in days after the activity (or out the morning after a forgotten
    check-out), an attendee was paid for hours from then to the check-out, up to 24 of them."""
    yesterday = local_today(village.timezone) - dt.timedelta(days=1)
    past = activities.create_activity(
        ROOT, village.id, title="昨天的清扫", date=yesterday, rule_id=catalogue.volunteer.id
    )

    refused = api.post(
        f"/activities/{past.id}/checkins", json={"household_id": household.id}, as_=leader,
        expect=409,
    )  # fmt: skip

    assert refused["code"] == "not_the_activity_day"
    assert db.session.execute(sa.select(sa.func.count()).select_from(Attendance)).scalar() == 0
    # Checked in on the day, out the morning after: refused; the hours are entered instead.
    with clock.historical(utcnow() - dt.timedelta(days=1)):
        checked_in = activities.check_in(leader.principal, past.id, household_id=household.id)
    checkout = f"/attendances/{checked_in.id}/checkout"
    refused = api.post(checkout, as_=leader, expect=409)
    assert refused["code"] == "not_the_activity_day"
    db.session.refresh(checked_in)
    assert (checked_in.checked_out_at, checked_in.hours) == (None, None)
