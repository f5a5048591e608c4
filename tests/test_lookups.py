"""lookups.get_or_refuse: the row by its key, or the 404 that says what is missing."""

import pytest

from pointsmart.errors import NotFound
from pointsmart.lookups import get_or_refuse
from pointsmart.villages.models import Village


def test_the_row_of_the_key(make):
    village = make.village()
    assert get_or_refuse(Village, village.id, "No such village.") is village


def test_a_missing_row_is_a_404_that_says_what_is_missing(make):
    with pytest.raises(NotFound) as refused:
        get_or_refuse(Village, 2**31 - 1, "No such village.")
    assert (refused.value.status, str(refused.value.detail)) == (404, "No such village.")
