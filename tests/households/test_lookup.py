"""What a leader's typed text finds (``households.lookup``): one household, or several."""

from pointsmart.households import lookup
from tests.factories import ROOT


def test_the_household_whose_number_is_typed_is_found_behind_many_that_hold_it(make):
    """A page of households holding the text comes first in id order; the one whose number
    the text is, added after them, was cut off with the page and the leader got a list
    without it."""
    village = make.village()
    for index in range(35):
        make.household(village, number=f"{index + 10}5")
    five = make.household(village, number="5")

    found = lookup.look_up(ROOT, village.id, "5", limit=30)

    assert found.household_id == five.id


def test_a_number_typed_in_small_letters_finds_its_household_on_every_database(make):
    village = make.village()
    household = make.household(village, number="XF-001")
    make.household(village, number="XF-002")

    found = lookup.look_up(ROOT, village.id, "xf-001", limit=30)

    assert found.household_id == household.id
