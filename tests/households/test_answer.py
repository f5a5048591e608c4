"""GET /households/{id} answers what the household view shows, in a few statements of columns."""

from __future__ import annotations

import datetime as dt
import json

from pointsmart.accounts.service import load_principal
from pointsmart.clock import historical
from pointsmart.households import answer as household_answer
from pointsmart.households import service
from pointsmart.households.schemas import HouseholdOut
from tests.factories import ROOT
from tests.ledger.test_hot_path import recorded_statements


def as_the_view_shows_it(principal, household_id):
    """What the ORM view of the household dumps to, through JSON like the answer."""
    dumped = HouseholdOut().dump(service.get_household(principal, household_id))
    return json.loads(json.dumps(dumped, default=str))


def test_the_answer_is_the_household_view_with_and_without_grid_and_members(api, make):
    village = make.village()
    grid = make.grid(village, name="二组")
    admin = make.staff("admin", village)
    bare = make.household(village, number="0001")
    full = make.household(
        village,
        number="0002",
        grid=grid,
        phone="13900000000",
        members=[{"name": "张三", "relation": "子"}, {"name": "李四", "relation": ""}],
    )
    make.award(full, 12)
    principal = load_principal(admin.user_id)

    for household in (bare, full):
        answer = api.get(f"/households/{household.id}", as_=admin)
        assert answer == as_the_view_shows_it(principal, household.id)

    answer = api.get(f"/households/{full.id}", as_=admin)
    assert answer["grid"] == {"id": grid.id, "name": "二组"}
    assert [m["name"] for m in answer["members"]] == ["张三", "李四"]
    assert answer["balance"] == 12
    assert api.get(f"/households/{bare.id}", as_=admin)["members"] == []


def test_the_balance_read_is_a_few_statements(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    household = make.household(
        village, grid=make.grid(village), members=[{"name": "王五", "relation": "父"}]
    )
    api.get(f"/households/{household.id}", as_=admin)

    with recorded_statements() as statements:
        api.get(f"/households/{household.id}", as_=admin)

    # authentication, then the household with grid, members, time zone and the ledger's
    # summary (balance, month totals and rank), all in one
    reads = [s for s in statements if s.startswith("SELECT")]
    assert len(reads) == 2, statements


def test_a_household_reads_its_balance_in_as_few_statements(api, make):
    from tests.accounts.test_villager_login import bearer, household_with_pin, sign_in

    village = make.village()
    household = household_with_pin(api, make, village, pin="135790")
    token = sign_in(api, "13800138000", "135790")["token"]
    new_pin = {"pin": "135790", "new_pin": "246801"}
    api.request("POST", "/auth/pin", json=new_pin, headers=bearer(token), expect=204)

    with recorded_statements() as statements:
        api.get(f"/households/{household.id}", headers=bearer(token))

    # the PIN an admin set is checked within the authentication's one statement
    reads = [s for s in statements if s.startswith("SELECT")]
    assert len(reads) == 2, statements


def test_a_village_in_another_time_zone_reads_its_own_month(make):
    """At 2026-11-30 17:00 UTC it is already December in Shanghai (every village's usual
    zone, whose month the answer's statement guesses) but still November in London: a London
    village's household is answered with November's totals and rank, as the household view
    has them."""
    london, shanghai = make.village(timezone="Europe/London"), make.village()
    household, other, neighbour = (
        make.household(london),
        make.household(london),
        make.household(shanghai),
    )

    with historical(dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)):
        make.award(household, 7)
        make.award(other, 9)
        make.award(neighbour, 5)

        answer = household_answer.household_answer(ROOT, household.id)
        view = as_the_view_shows_it(ROOT, household.id)
        december = household_answer.household_answer(ROOT, neighbour.id)

    assert answer["month"] == {
        "period": "2026-11",
        "earned": 7,
        "deducted": 0,
        "redeemed": 0,
        "rank": 2,
    }
    assert json.loads(json.dumps(HouseholdOut().dump(answer), default=str)) == view
    assert december["month"]["period"] == "2026-12"
    assert (december["month"]["earned"], december["month"]["rank"]) == (5, 1)
