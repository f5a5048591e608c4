"""Year-end clearing (年底清零): positive balances expire once a year; nothing else moves."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import flask_migrate
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointsmart.audit.models import AuditEntry
from pointsmart.board.leaderboard import leaderboard
from pointsmart.bookkeeping.clearing import ClearingOff, clear_year
from pointsmart.clock import historical
from pointsmart.errors import Forbidden, ValidationFailed
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.errors import InsufficientPoints, ReversalAfterClearing
from pointsmart.ledger.models import EXPIRE, Account, MonthlyTotal, Transfer
from pointsmart.ledger.verify import verify_village
from tests.factories import ROOT, Factories

YEAR = 2025
# Every test here runs on January 10 after YEAR (village time), when YEAR has just ended.
JUST_AFTER = dt.datetime(YEAR + 1, 1, 10, 2, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def just_after_the_year():
    with historical(JUST_AFTER) as clock:
        yield clock


def clearing_village(make, **settings):
    village = make.village(**settings)
    village.year_end_clearing = True
    db.session.flush()
    return village


def balances(village_id) -> dict[str, int]:
    return dict(
        db.session.execute(
            sa.select(Account.code, Account.balance).where(Account.village_id == village_id)
        ).all()
    )


def monthly(village_id) -> list[tuple]:
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(
                MonthlyTotal.household_id,
                MonthlyTotal.period,
                MonthlyTotal.earned,
                MonthlyTotal.deducted,
                MonthlyTotal.redeemed,
            )
            .where(MonthlyTotal.village_id == village_id)
            .order_by(MonthlyTotal.household_id, MonthlyTotal.period)
        ).all()
    ]


def transfer_count(village_id) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Transfer).where(Transfer.village_id == village_id)
    ).scalar_one()


operations = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from(["award", "deduct", "redeem"]),
        st.integers(1, 80),
        st.sampled_from([f"{YEAR}-03", f"{YEAR}-12", None]),
    ),
    max_size=25,
)


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_after_clearing_no_balance_is_positive_and_the_ledger_still_verifies(make, steps):
    savepoint = db.session.begin_nested()
    try:
        village = clearing_village(make)
        households = [make.household(village) for _ in range(4)]
        shop = make.shop(village)
        for who, kind, amount, period in steps:
            household = households[who]
            if kind == "award":
                ledger.award(village.id, household.id, amount, category="other", period=period)
            elif kind == "deduct":
                ledger.deduct(village.id, household.id, amount, category="black", period=period)
            else:
                try:
                    with db.session.begin_nested():
                        ledger.redeem(village.id, household.id, shop.id, amount)
                except InsufficientPoints:
                    pass
        before = balances(village.id)
        totals_before = monthly(village.id)
        board_before = leaderboard(village.id, period=str(YEAR))

        result = clear_year(ROOT, village.id, YEAR)

        after = balances(village.id)
        positive = {
            code: b for code, b in before.items() if code.startswith("household:") and b > 0
        }
        assert result.households == len(positive)
        assert result.points == sum(positive.values())
        assert all(b <= 0 for code, b in after.items() if code.startswith("household:"))
        for code, balance in before.items():
            if code.startswith("household:"):
                assert after[code] == min(balance, 0), code
        assert after["expired"] == before["expired"] + result.points
        assert sum(after.values()) == 0
        report = verify_village(village.id)
        assert report.ok, report.problems  # cached balances equal the sums of the transfers
        assert monthly(village.id) == totals_before  # not earned, not deducted
        assert leaderboard(village.id, period=str(YEAR)) == board_before
        expiries = db.session.execute(
            sa.select(Transfer.household_id, Transfer.amount, Transfer.period).where(
                Transfer.village_id == village.id, Transfer.kind == EXPIRE
            )
        ).all()
        assert sorted((f"household:{h}", a) for h, a, _ in expiries) == sorted(positive.items())
        assert {period for _, _, period in expiries} <= {f"{YEAR}-12"}

        count = transfer_count(village.id)
        again = clear_year(ROOT, village.id, YEAR)
        assert (again.households, again.points) == (0, 0)
        assert transfer_count(village.id) == count
    finally:
        savepoint.rollback()


def test_a_second_run_posts_nothing_even_after_new_points(make):
    village = clearing_village(make)
    household = make.household(village)
    make.award(household, 30)
    first = clear_year(ROOT, village.id, YEAR)
    make.award(household, 5)

    second = clear_year(ROOT, village.id, YEAR)

    assert (first.households, first.points) == (1, 30)
    assert (second.households, second.points) == (0, 0)
    assert balances(village.id)[f"household:{household.id}"] == 5


def test_clearing_is_refused_while_the_village_setting_is_off(make):
    village = make.village()
    household = make.household(village)
    make.award(household, 30)

    with pytest.raises(ClearingOff) as refused:
        clear_year(ROOT, village.id, YEAR)

    assert refused.value.status == 409
    assert refused.value.code == "year_end_clearing_off"
    assert balances(village.id)[f"household:{household.id}"] == 30


def test_a_year_whose_december_has_not_begun_is_refused(make):
    village = clearing_village(make)

    with pytest.raises(ValidationFailed) as refused:
        clear_year(ROOT, village.id, YEAR + 2)

    assert list(refused.value.errors) == ["year"]


def test_a_past_year_is_refused_once_the_next_one_is_ending(make, just_after_the_year):
    # In December the year ending is the one to clear; clearing last year would book today's
    # balances into last December, and this year's real clearing would then find nothing.
    just_after_the_year.move_to(dt.datetime(YEAR + 1, 12, 3, 2, tzinfo=dt.UTC))
    village = clearing_village(make)
    household = make.household(village)
    make.award(household, 30)

    with pytest.raises(ValidationFailed) as refused:
        clear_year(ROOT, village.id, YEAR)

    assert list(refused.value.errors) == ["year"]
    assert transfer_count(village.id) == 1
    result = clear_year(ROOT, village.id, YEAR + 1)
    assert (result.households, result.points) == (1, 30)
    period = db.session.execute(
        sa.select(Transfer.period).where(Transfer.village_id == village.id, Transfer.kind == EXPIRE)
    ).scalar_one()
    assert period == f"{YEAR + 1}-12"


@pytest.mark.parametrize(
    ("month", "clearable"),
    [(1, {YEAR}), (2, set()), (6, set()), (11, set()), (12, {YEAR + 1})],
)
def test_only_the_year_ending_or_just_ended_can_be_cleared(
    make, just_after_the_year, month, clearable
):
    # Noon in Shanghai on the 15th of the month of YEAR + 1.
    just_after_the_year.move_to(dt.datetime(YEAR + 1, month, 15, 4, tzinfo=dt.UTC))
    village = clearing_village(make)
    make.award(make.household(village), 10)

    for year in (YEAR - 1, YEAR, YEAR + 1, YEAR + 2):
        attempt = db.session.begin_nested()
        try:
            if year in clearable:
                assert clear_year(ROOT, village.id, year).points == 10
            else:
                with pytest.raises(ValidationFailed) as refused:
                    clear_year(ROOT, village.id, year)
                assert list(refused.value.errors) == ["year"], (month, year)
        finally:
            attempt.rollback()


@pytest.mark.parametrize("role", ["leader", "shopkeeper"])
def test_only_an_admin_clears(make, role):
    village = clearing_village(make)
    shop = make.shop(village) if role == "shopkeeper" else None
    staff = make.staff(role, village, shop=shop)
    make.award(make.household(village), 10)

    with pytest.raises(Forbidden):
        clear_year(staff.principal, village.id, YEAR)

    assert transfer_count(village.id) == 1


def test_an_admin_of_the_village_clears_and_the_run_is_audited(make):
    village = clearing_village(make)
    admin = make.staff("admin", village)
    make.award(make.household(village), 10)
    make.award(make.household(village), 20)

    result = clear_year(admin.principal, village.id, YEAR)

    entry = db.session.execute(
        sa.select(AuditEntry).where(
            AuditEntry.village_id == village.id, AuditEntry.action == "points.clear"
        )
    ).scalar_one()
    assert entry.actor_id == admin.user_id
    assert json.loads(entry.changes) == {"year": YEAR, "households": 2, "points": 30}
    assert (result.households, result.points) == (2, 30)


def test_an_expiry_can_be_reversed_and_still_counts_nowhere(make):
    village = clearing_village(make)
    household = make.household(village)
    make.award(household, 40)
    clear_year(ROOT, village.id, YEAR)
    totals = monthly(village.id)
    expiry = db.session.execute(
        sa.select(Transfer.id).where(Transfer.village_id == village.id, Transfer.kind == EXPIRE)
    ).scalar_one()

    ledger.reverse(expiry, reason="误清零，退回")

    assert balances(village.id)[f"household:{household.id}"] == 40
    assert monthly(village.id) == totals
    assert verify_village(village.id).ok


def test_the_command_prints_what_it_cleared_and_posts_once(fresh_app):
    with fresh_app.app_context():
        make = Factories()
        village = clearing_village(make)
        make.award(make.household(village), 25)
        make.award(make.household(village), 15)
        debtor = make.household(village)
        ledger.deduct(village.id, debtor.id, 5, category="black")
        db.session.commit()
        village_id = village.id
    runner = fresh_app.test_cli_runner()
    args = ["points", "clear", "--village", str(village_id), "--year", str(YEAR)]

    first = runner.invoke(args=args)
    second = runner.invoke(args=args)

    assert first.exit_code == 0, first.output + first.stderr
    assert f"{YEAR} 年：清零 2 户，共 40 分" in first.output
    assert second.exit_code == 0
    assert "清零 0 户，共 0 分" in second.output
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output


def test_the_command_refuses_a_year_long_past_in_chinese(fresh_app, just_after_the_year):
    just_after_the_year.move_to(dt.datetime(YEAR + 1, 12, 3, 2, tzinfo=dt.UTC))
    with fresh_app.app_context():
        village = clearing_village(Factories())
        db.session.commit()
        village_id = village.id

    result = fresh_app.test_cli_runner().invoke(
        args=["points", "clear", "--village", str(village_id), "--year", str(YEAR)]
    )

    assert result.exit_code == 2
    assert "只能清零正在结束的一年" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_the_command_refuses_a_village_without_clearing(fresh_app):
    with fresh_app.app_context():
        village = Factories().village()
        db.session.commit()
        village_id = village.id

    result = fresh_app.test_cli_runner().invoke(
        args=["points", "clear", "--village", str(village_id), "--year", str(YEAR)]
    )

    assert result.exit_code == 2
    assert "本村没有开启年底清零" in result.stderr
    assert "Traceback" not in result.output + result.stderr


_villages = itertools.count(1)


def accepts(app, kind: str) -> bool:
    """Whether the transfers table takes a row of this kind (the row is rolled back)."""
    with app.app_context():
        # The village is written with the columns every revision since 0008 has (the model may
        # have more, e.g. 0010's phone), so this works on the downgraded schema too.
        village_id = db.session.execute(
            sa.text(
                "INSERT INTO villages (name, timezone, yuan_per_point, approval_threshold,"
                " black_board_days, red_board_days, created_at, mask_names, year_end_clearing)"
                " VALUES (:name, 'Asia/Shanghai', 0.1, 50, 30, 30, '2026-01-01 00:00:00',"
                " false, false) RETURNING id"
            ),
            {"name": f"迁移村{kind}{next(_villages)}"},
        ).scalar_one()
        ledger.open_village_ledger(village_id)
        issued, expired = db.session.execute(
            sa.select(Account.id)
            .where(Account.village_id == village_id, Account.code.in_(["issued", "expired"]))
            .order_by(Account.code.desc())
        ).scalars()
        values = {
            "village_id": village_id,
            "seq": 1,
            "kind": kind,
            "debit_account_id": issued,
            "credit_account_id": expired,
            "amount": 1,
            "period": "2026-01",
            "debit_balance_after": -1,
            "credit_balance_after": 1,
            "created_at": "2026-01-01 00:00:00",
            "prev_hash": "0" * 64,
            "hash": "0" * 64,
        }
        statement = sa.text(
            f"INSERT INTO transfers ({', '.join(values)}) "
            f"VALUES ({', '.join(':' + name for name in values)})"
        )
        try:
            db.session.execute(statement, values)
        except sa.exc.IntegrityError:
            return False
        finally:
            db.session.rollback()
        return True


def test_migration_0009_round_trips_and_keeps_the_kind_check(fresh_app):
    assert accepts(fresh_app, "expire")
    assert not accepts(fresh_app, "bogus")
    with fresh_app.app_context():
        flask_migrate.downgrade(revision="0008")
    assert not accepts(fresh_app, "expire")
    with fresh_app.app_context():
        flask_migrate.upgrade()
    assert accepts(fresh_app, "expire")
    assert not accepts(fresh_app, "bogus")


# --- reversing an award after the clearing took its points -----------------------------------


def household_balance(village, household) -> int:
    return balances(village.id)[f"household:{household.id}"]


def test_an_award_whose_points_expired_is_not_reversed_into_a_debt(make):
    # A November award, cleared at the year's end: reversing it in January would take its
    # points a second time, out of what the household earned since (-40 here, from 0).
    village = clearing_village(make)
    household = make.household(village)
    november = make.award(household, 40, period=f"{YEAR}-11")
    clear_year(ROOT, village.id, YEAR)
    before = balances(village.id)
    count = transfer_count(village.id)

    with pytest.raises(ReversalAfterClearing) as refused:
        ledger.reverse(november.id, reason="记错了")

    assert (refused.value.status, refused.value.code) == (409, "reversal_after_clearing")
    assert str(YEAR) in str(refused.value.detail)
    assert balances(village.id) == before
    assert household_balance(village, household) == 0
    assert transfer_count(village.id) == count


def test_the_committee_is_refused_too_with_a_problem_the_api_names(api, make):
    village = clearing_village(make)
    household = make.household(village)
    admin = make.staff("admin", village)
    november = make.award(household, 40, period=f"{YEAR}-11")
    clear_year(ROOT, village.id, YEAR)

    refused = api.post(
        f"/transfers/{november.id}/reversal", json={"reason": "记错了"}, as_=admin, key=True,
        expect=409,
    )  # fmt: skip

    assert refused["code"] == "reversal_after_clearing"
    assert household_balance(village, household) == 0


def test_what_the_clearing_did_not_take_is_still_reversed(make):
    # Spent before the clearing (nothing expired), awarded after it, or cleared and the
    # clearing reversed: the reversal takes back points the household had the use of.
    village = clearing_village(make)
    spent, late, restored = (make.household(village) for _ in range(3))
    shop = make.shop(village)
    spent_award = make.award(spent, 30, period=f"{YEAR}-11")
    ledger.redeem(village.id, spent.id, shop.id, 30)
    restored_award = make.award(restored, 20, period=f"{YEAR}-11")
    clear_year(ROOT, village.id, YEAR)
    late_award = make.award(late, 15)
    expiry = db.session.execute(
        sa.select(Transfer.id).where(Transfer.household_id == restored.id, Transfer.kind == EXPIRE)
    ).scalar_one()
    ledger.reverse(expiry, reason="误清零，退回")

    for award in (spent_award, late_award, restored_award):
        ledger.reverse(award.id, reason="记错了")

    assert household_balance(village, spent) == -30  # spent: a real correction
    assert household_balance(village, late) == 0
    assert household_balance(village, restored) == 0
    assert verify_village(village.id).ok


def test_a_deduction_is_still_reversed_after_the_clearing(make):
    # In the household's favour (an objection upheld in January): the penalty was a mistake.
    village = clearing_village(make)
    household = make.household(village)
    make.award(household, 50, period=f"{YEAR}-11")
    deduction = ledger.deduct(village.id, household.id, 10, category="black", period=f"{YEAR}-12")
    clear_year(ROOT, village.id, YEAR)

    ledger.reverse(deduction.id, reason="异议成立")

    assert household_balance(village, household) == 10
    assert verify_village(village.id).ok
