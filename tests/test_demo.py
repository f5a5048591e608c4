"""``flask demo``: the demo village 幸福村, loaded once on a database of its own."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from pointsmart import clock
from pointsmart.accounts.models import User
from pointsmart.accounts.service import load_principal
from pointsmart.counter.errors import VoidTooLate
from pointsmart.counter.goods import find_shop
from pointsmart.counter.models import Redemption, StockMove
from pointsmart.counter.receipts import redemption_view
from pointsmart.counter.settlement import month_statement
from pointsmart.counter.voids import can_void, void_redemption
from pointsmart.demo import DEMO_LOGINS, load_demo
from pointsmart.extensions import db
from pointsmart.households.models import Household, Member
from pointsmart.ledger.models import Account, MonthlyTotal, Transfer
from pointsmart.periods import current_period, period_of, previous_periods
from pointsmart.reports.committee import monthly_summary
from pointsmart.reports.sheet import monthly_sheet
from pointsmart.villages.models import Grid, Village
from tests.conftest import app_on_fresh_database

LOGINS = [(login.username, login.password) for login in DEMO_LOGINS]
MOBILE = re.compile(r"^1[358]\d{9}$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A fresh app (as ``fresh_app``, but shared by this module) after one ``flask demo``."""
    with app_on_fresh_database(tmp_path_factory.mktemp("demo")) as app:
        result = app.test_cli_runner().invoke(args=["demo"])
        yield app, result


def scalars(statement):
    return list(db.session.execute(statement).scalars())


def demo_month() -> str:
    """The month the demo was loaded in (its last transfer's), not the one a test runs in:
    the module loads the demo once, and a month may turn in between."""
    last = db.session.execute(sa.select(sa.func.max(Transfer.created_at))).scalar_one()
    return current_period("Asia/Shanghai", last)


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_the_demo_prints_its_logins(demo):
    _, result = demo

    assert result.exit_code == 0, result.output
    assert "demo village loaded" in result.output
    for username, password in LOGINS:
        assert f"{username} / {password}" in result.output
        assert len(password) >= 8
    assert re.search(r"villager +1[3-9][0-9]{9} / 246810", result.output)


def test_the_demo_villager_signs_in_on_the_villager_pages(demo):
    app, result = demo
    phone = re.search(r"villager +(1[0-9]{10}) / 246810", result.output)[1]
    client = app.test_client()
    html = client.get("/me/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)[1]

    signed_in = client.post(
        "/me/login", data={"csrf_token": token, "phone": phone, "pin": "246810"}
    )

    assert signed_in.status_code == 302
    assert signed_in.headers["Location"].endswith("/me")
    page = client.get("/me").get_data(as_text=True)
    assert re.search(r"<h1>户号 XF-[0-9]{3} · ", page)  # its own page, no new PIN asked


def test_the_village_has_three_grids_and_sixty_households(demo):
    app, _ = demo
    with app.app_context():
        village = db.session.execute(sa.select(Village)).scalar_one()
        households = scalars(sa.select(Household).order_by(Household.id))
        members = scalars(sa.select(Member).order_by(Member.id))

        assert (village.name, village.timezone) == ("幸福村", "Asia/Shanghai")
        assert (str(village.yuan_per_point), village.approval_threshold) == ("0.10", 50)
        assert scalars(sa.select(Grid.name).order_by(Grid.id)) == ["一组", "二组", "三组"]
        assert len(households) == 60
        assert [h.number for h in households] == [f"XF-{n:03d}" for n in range(1, 61)]
        assert {h.grid_id for h in households} == set(scalars(sa.select(Grid.id)))
        assert len({h.head_name for h in households}) == 60
        phones = [h.phone for h in households if h.phone]
        assert len(phones) >= 45
        assert all(MOBILE.match(phone) for phone in phones)
        by_household: dict[int, list[Member]] = {}
        for member in members:
            by_household.setdefault(member.household_id, []).append(member)
        for household in households:
            family = by_household[household.id]
            assert 1 <= len(family) <= 5
            assert (family[0].name, family[0].relation) == (household.head_name, "本人")
        relations = {member.relation for member in members}
        assert {"本人", "配偶", "子", "女", "父", "母", "孙子", "孙女"} <= relations


def test_the_history_spans_four_months_with_every_kind_of_entry(demo):
    app, _ = demo
    with app.app_context():
        this_month = demo_month()
        months = previous_periods(this_month, 4)
        transfers = scalars(sa.select(Transfer).order_by(Transfer.seq))
        staff_ids = set(scalars(sa.select(User.id)))

        awards = [t for t in transfers if t.kind == "award" and t.reverses_id is None]
        assert {t.period for t in awards} == set(months)
        assert {t.category for t in awards} == {"volunteer", "red", "rule", "other"}
        deductions = [t for t in transfers if t.kind == "deduct" and t.reverses_id is None]
        assert deductions
        assert {t.category for t in deductions} == {"black"}
        redemptions = [t for t in transfers if t.kind == "redeem" and t.reverses_id is None]
        assert {t.period for t in redemptions} == set(months)
        # Every sale went through the counter: a receipt naming its transfer, its stock moves.
        receipts = {r.transfer_id: r for r in scalars(sa.select(Redemption))}
        assert set(receipts) == {t.id for t in redemptions}
        assert all(receipts[t.id].total_points == t.amount for t in redemptions)
        sold = scalars(sa.select(StockMove.redemption_id).where(StockMove.kind == "sale"))
        assert set(sold) == {r.id for r in receipts.values()}
        voided = [r for r in receipts.values() if r.voided_at is not None]
        assert len(voided) == 1  # the shopkeeper's same-day void of a wrong item
        settlements = [t for t in transfers if t.kind == "settle"]
        assert [t.period for t in settlements] == months[:2]  # last month waits
        reversals = [t for t in transfers if t.reverses_id is not None]
        assert len(reversals) == 3  # a duplicated award, a wrong deduction, the void
        assert all(t.memo for t in reversals)
        assert all(t.posted_by_id in staff_ids for t in transfers)
        assert all(t.memo for t in transfers)


def test_the_history_is_stamped_with_its_own_days_in_chain_order(demo):
    app, _ = demo
    with app.app_context():
        now = dt.datetime.now(dt.UTC)
        months = previous_periods(demo_month(), 4)
        transfers = scalars(sa.select(Transfer).order_by(Transfer.seq))
        stamps = [t.created_at for t in transfers]

        assert stamps == sorted(stamps)  # the 公示 sheet bisects the chain by these
        assert len(set(stamps)) == len(stamps)
        assert stamps[-1] <= now
        assert period_of(stamps[0], "Asia/Shanghai") == months[0]
        for transfer in transfers:
            month = period_of(transfer.created_at, "Asia/Shanghai")
            if transfer.kind == "settle":  # a month is settled early in the next one
                assert transfer.period < month
            else:
                assert transfer.period == month, transfer
        # The sales and their stock moves happened when their transfers did.
        for receipt in scalars(sa.select(Redemption)):
            transfer = db.session.get(Transfer, receipt.transfer_id)
            assert receipt.created_at == transfer.created_at
        days = {t.created_at.date() for t in transfers if t.period != months[-1]}
        assert len(days) >= 20  # spread over the months, not one moment


def test_every_past_month_has_real_figures_on_its_report_sheet_and_statement(demo):
    app, _ = demo
    with app.app_context():
        admin = load_principal(
            db.session.execute(
                sa.select(User.id).where(User.username == "xingfu-admin")
            ).scalar_one()
        )
        village = db.session.execute(sa.select(Village)).scalar_one()
        shop_id = db.session.execute(
            sa.select(Account.shop_id).where(Account.kind == "shop")
        ).scalar_one()
        past = previous_periods(demo_month(), 4)[:3]

        for number, period in enumerate(past):
            summary = monthly_summary(admin, village.id, period)
            assert summary["issued"] > 0, period
            assert summary["redeemed"] > 0, period
            sheet = monthly_sheet(admin, village.id, period)
            assert sheet.ledger.month_over
            assert sheet.ledger.transfer_count > 0
            assert sheet.leaderboard, period
            assert sheet.red, period
            assert sheet.black, period
            assert sum(h["redeemed"] for h in sheet.households) > 0
            statement = month_statement(admin, shop_id, period, with_days=True)
            # The first month's points come mostly at its end: fewer sales than later.
            assert statement.sales_count >= (3 if number == 0 else 10), period
            assert len(statement.days) >= (3 if number == 0 else 5), period
            if number < 2:  # settled by its statement early in the next month
                assert statement.settled
                assert statement.settlement.points == statement.points_redeemed
                assert period_of(statement.settled_at, "Asia/Shanghai") == past[number + 1]
            else:  # last month: for the committee to settle
                assert not statement.settled
                assert statement.voids_count == 1
        assert monthly_summary(admin, village.id, past[1])["settled"] > 0


def test_the_shopkeeper_cannot_void_the_demo_sales_of_past_days(demo):
    app, _ = demo
    with app.app_context():
        keeper = load_principal(
            db.session.execute(
                sa.select(User.id).where(User.username == "xingfu-shop")
            ).scalar_one()
        )
        zone = ZoneInfo("Asia/Shanghai")
        receipts = scalars(
            sa.select(Redemption).where(Redemption.voided_at.is_(None)).order_by(Redemption.id)
        )
        # "Today" is the day the demo was loaded (its last sale is squeezed against that
        # moment), not the day this test happens to run: the module loads the demo once, and
        # midnight in Shanghai may come in between.
        loaded = max(r.created_at for r in receipts)
        today = loaded.astimezone(zone).date()
        shop = find_shop(receipts[0].shop_id)
        earlier = [r for r in receipts if r.created_at.astimezone(zone).date() < today]
        of_today = [r for r in receipts if r.created_at.astimezone(zone).date() == today]

        assert len(earlier) >= 30
        assert of_today  # today's sales: the counter shows them, and may void them
        with clock.historical(loaded):
            assert not any(can_void(keeper, redemption_view(r, shop), zone.key) for r in earlier)
            assert all(can_void(keeper, redemption_view(r, shop), zone.key) for r in of_today)
            with pytest.raises(VoidTooLate):
                void_redemption(keeper, earlier[-1].id)
        db.session.rollback()


def test_some_households_owe_points_and_some_have_none(demo):
    app, _ = demo
    with app.app_context():
        balances = scalars(sa.select(Account.balance).where(Account.kind == "household"))
        shop_balance = db.session.execute(
            sa.select(Account.balance).where(Account.kind == "shop")
        ).scalar_one()

        assert sum(1 for b in balances if b < 0) >= 2
        assert sum(1 for b in balances if b == 0) >= 3
        assert sum(1 for b in balances if b > 0) >= 40
        assert shop_balance >= 0
        assert count(MonthlyTotal) > 0


def test_every_demo_login_gets_an_api_token(demo):
    app, _ = demo
    client = app.test_client()
    for username, password in LOGINS:
        response = client.post(
            "/api/v1/auth/token", json={"username": username, "password": password}
        )
        assert response.status_code == 201, (username, response.get_json())
        assert response.get_json()["user"]["username"] == username


def test_the_ledger_verifies_after_the_demo(demo):
    app, _ = demo

    result = app.test_cli_runner().invoke(args=["ledger", "verify"])

    assert result.exit_code == 0, result.output
    assert ": ok," in result.output


def test_a_second_run_adds_nothing_but_prints_the_logins_again(demo):
    app, _ = demo
    models = (Village, Household, Member, User, Transfer)
    with app.app_context():
        before = [count(model) for model in models]

    result = app.test_cli_runner().invoke(args=["demo"])

    assert result.exit_code == 0, result.output
    assert "data exists; demo not loaded" in result.output
    for username, password in LOGINS:
        assert f"{username} / {password}" in result.output
    with app.app_context():
        assert [count(model) for model in models] == before


def test_the_demo_is_the_same_every_time(demo, fresh_app):
    def story(app):
        with app.app_context():
            households = db.session.execute(
                sa.select(Household.number, Household.head_name, Household.phone).order_by(
                    Household.id
                )
            ).all()
            transfers = db.session.execute(
                sa.select(Transfer.kind, Transfer.amount, Transfer.period, Transfer.memo).order_by(
                    Transfer.seq
                )
            ).all()
            return households, transfers

    with fresh_app.app_context():
        assert load_demo() is not None
        db.session.commit()

    assert story(fresh_app) == story(demo[0])


def test_the_demo_does_nothing_where_a_village_exists(make):
    make.village()
    users = count(User)

    assert load_demo() is None
    assert count(User) == users


@pytest.mark.parametrize(
    "local_now",
    [
        dt.datetime(2027, 3, 1, 0, 0, 30),  # the first minute of a month, after a February
        dt.datetime(2026, 12, 31, 23, 59),  # the last minute of a year
        dt.datetime(2026, 7, 5, 9, 0),  # the day the committee settles, before it does
    ],
)
def test_the_demo_tells_its_story_whatever_the_day_it_loads(fresh_app, local_now):
    now = local_now.replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(dt.UTC)
    with fresh_app.app_context():
        with clock.historical(now):
            assert load_demo() is not None
        db.session.commit()
        stamps = scalars(sa.select(Transfer.created_at).order_by(Transfer.seq))
        settled = scalars(sa.select(Transfer.period).where(Transfer.kind == "settle"))

    assert stamps == sorted(stamps)
    assert stamps[-1] < now
    assert settled == previous_periods(current_period("Asia/Shanghai", now), 4)[:2]
    result = fresh_app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
