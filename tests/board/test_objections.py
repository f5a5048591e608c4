"""Objections raised by a household itself (its villager login, a later issue, will call
``objections.raise_objection`` with the household's principal), decided by an admin."""

import datetime as dt

import pytest

from pointsmart.accounts.auth import Principal
from pointsmart.audit.service import changes_of
from pointsmart.awards.errors import NotOnBoard
from pointsmart.board import entries as board
from pointsmart.board import objections
from pointsmart.bookkeeping.clearing import clear_year
from pointsmart.clock import historical
from pointsmart.errors import Forbidden, NotFound
from pointsmart.ledger.errors import ReversalAfterClearing
from pointsmart.ledger.verify import verify_village
from tests.audit.test_api_changes_are_audited import _last as last_audit_entry
from tests.awards.conftest import add_rule
from tests.factories import ROOT


def villager(household) -> Principal:
    return Principal(household_id=household.id, household_village_id=household.village_id)


@pytest.fixture
def black_entry(household, leader, catalogue):
    outcome = board.create_entry(
        leader.principal, household_id=household.id, rule_id=catalogue.clutter.id,
        reason="乱堆柴草",
    )  # fmt: skip
    return outcome.extra["entry"]


def test_a_household_objects_with_its_own_login_and_an_admin_upholds_it(
    household, admin, black_entry
):
    objection = objections.raise_objection(
        villager(household), black_entry.id, reason="不是我家的柴草"
    )

    assert (objection.household_id, objection.filed_by_id) == (household.id, None)
    decided = objections.decide_objection(admin.principal, objection.id, uphold=True, reason="属实")
    assert decided.status == "upheld"
    assert decided.reversal_id is not None
    upheld = last_audit_entry("objection.uphold")
    assert (upheld.actor_id, upheld.village_id, upheld.target_id) == (
        admin.user_id,
        household.village_id,
        objection.id,
    )
    assert changes_of(upheld) == {
        "entry_id": black_entry.id,
        "reason": "属实",
        "reversal_id": decided.reversal_id,
    }
    made = last_audit_entry("board_entry.create")
    assert made.target_id == black_entry.id
    assert changes_of(made)["kind"] == "black"
    assert verify_village(household.village_id).ok


def test_a_neighbour_may_object_too_but_not_for_someone_else(neighbour, black_entry):
    objection = objections.raise_objection(
        villager(neighbour), black_entry.id, reason="处罚过重", household_id=999
    )

    assert objection.household_id == neighbour.id  # the login's household, whatever is sent


def test_an_entry_of_a_household_that_moved_away_takes_no_objection(
    make, household, neighbour, black_entry
):
    """Regression: it was filed, but could never be upheld (the reversal of the entry into
    a closed account is refused): the committee was asked what it could not do."""
    from pointsmart.admin.households import mark_moved_away
    from pointsmart.ledger.errors import AccountClosed

    make.award(household, 10)  # the black entry's -10 made up: a balance of 0 may close
    mark_moved_away(ROOT, household.id)

    with pytest.raises(AccountClosed) as refused:
        objections.raise_objection(villager(neighbour), black_entry.id, reason="处罚过重")

    assert "这条记录的农户已经迁出" in str(refused.value.detail)


def test_a_household_of_another_village_cannot_see_the_entry(make, black_entry):
    stranger = make.household(make.village())

    with pytest.raises(NotFound):
        objections.raise_objection(villager(stranger), black_entry.id, reason="不服")


def test_a_household_cannot_decide_an_objection(household, black_entry):
    objection = objections.raise_objection(villager(household), black_entry.id, reason="不服")

    with pytest.raises(Forbidden):
        objections.decide_objection(villager(household), objection.id, uphold=True, reason="自己批")


def test_after_an_upheld_objection_the_entry_is_off_the_board(
    household, neighbour, admin, black_entry
):
    first = objections.raise_objection(villager(household), black_entry.id, reason="不服")
    objections.decide_objection(ROOT, first.id, uphold=True, reason="核实有误")

    with pytest.raises(NotOnBoard):
        objections.raise_objection(villager(neighbour), black_entry.id, reason="也不服")
    assert board.public_board(household.village_id)["black"] == []


def test_a_red_entry_whose_points_a_clearing_took_takes_no_objection(make, village):
    """Regression: it was filed, but could never be upheld (an award is not reversed once a
    year-end clearing after it took its points): the committee was asked what it could not do.
    A black entry still takes one: its reversal gives points back."""
    village.year_end_clearing = True
    household, neighbour = make.household(village), make.household(village)
    since = dt.date(2025, 1, 1)
    red_rule = add_rule(village, "xl", "孝老爱亲", "red", 30, valid_from=since)
    black_rule = add_rule(village, "ld", "乱堆乱放", "black", -10, valid_from=since)
    december = dt.datetime(2025, 12, 28, 2, tzinfo=dt.UTC)
    with historical(december) as clock:
        red, black = (
            board.create_entry(
                ROOT, household_id=household.id, rule_id=rule.id, reason="记上"
            ).extra["entry"]
            for rule in (red_rule, black_rule)
        )
        clock.move_to(december + dt.timedelta(days=5))  # January 2: the year just ended
        clear_year(ROOT, village.id, 2025)

        with pytest.raises(ReversalAfterClearing) as refused:
            objections.raise_objection(villager(neighbour), red.id, reason="不属实")
        objected = objections.raise_objection(villager(neighbour), black.id, reason="处罚过重")

    assert refused.value.code == "reversal_after_clearing"
    assert objected.entry_id == black.id
