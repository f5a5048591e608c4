"""The demo village's rule catalogue, and its history by rule."""

import pytest
import sqlalchemy as sa

from pointsmart.activities.models import Activity, Attendance
from pointsmart.awards.models import Approval
from pointsmart.board.models import BoardEntry
from pointsmart.demo import load_demo
from pointsmart.extensions import db
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import current_period, previous_periods
from pointsmart.rules.models import Rule, RuleVersion
from tests.conftest import app_on_fresh_database


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with app_on_fresh_database(tmp_path_factory.mktemp("demo-rules")) as app:
        with app.app_context():
            load_demo()
            db.session.commit()
        yield app


def test_the_demo_village_has_a_realistic_catalogue(demo):
    with demo.app_context():
        names = set(db.session.execute(sa.select(Rule.name)).scalars())

    for name in ("门前三包", "垃圾分类", "志愿服务每小时", "孝老爱亲", "好媳妇", "好婆婆",
                 "红白事简办", "乱堆乱放", "焚烧秸秆", "不赡养老人"):  # fmt: skip
        assert name in names


def test_every_award_and_deduction_of_the_history_is_by_rule(demo):
    with demo.app_context():
        entries = (
            db.session.execute(sa.select(Transfer).where(Transfer.kind.in_(["award", "deduct"])))
            .scalars()
            .all()
        )
        village_id = entries[0].village_id
        report = verify_village(village_id)

    assert entries
    assert all(t.rule_version_id is not None and t.quantity is not None for t in entries)
    assert report.ok, report.problems


def test_volunteering_was_paid_8_an_hour_until_the_rate_went_up(demo):
    months = previous_periods(current_period("Asia/Shanghai"), 4)
    with demo.app_context():
        rows = db.session.execute(
            sa.select(Transfer.period, Transfer.amount, Transfer.quantity, RuleVersion.points)
            .join(RuleVersion, RuleVersion.id == Transfer.rule_version_id)
            .join(Rule, Rule.id == RuleVersion.rule_id)
            .where(Rule.code == "zyfw", Transfer.reverses_id.is_(None))
        ).all()

    rates = {period: points for period, _, _, points in rows}
    assert rates[months[0]] == 8
    assert rates[months[-1]] == 10
    assert all(amount == quantity * points for _, amount, quantity, points in rows)


def test_the_demo_has_activities_board_entries_and_an_approval_waiting(demo):
    with demo.app_context():
        activities = db.session.execute(sa.select(sa.func.count()).select_from(Activity)).scalar()
        attendances = db.session.execute(
            sa.select(sa.func.count()).select_from(Attendance)
        ).scalar()
        kinds = set(db.session.execute(sa.select(BoardEntry.kind)).scalars())
        waiting = (
            db.session.execute(sa.select(Approval).where(Approval.status == "pending"))
            .scalars()
            .all()
        )

    assert activities >= 7
    assert attendances > activities
    assert kinds == {"red", "black"}
    assert [(a.points, a.board_reason is not None) for a in waiting] == [(60, True)]
