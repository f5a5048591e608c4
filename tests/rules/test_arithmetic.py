"""The rules' arithmetic: what quantities a rule takes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pointsmart.errors import ValidationFailed
from pointsmart.rules.arithmetic import normalise_quantity
from pointsmart.rules.models import EACH, HOUR


@pytest.mark.parametrize("typed", ["1e30", "1E+99", "123456789012345678901234567890", "9e999999"])
@pytest.mark.parametrize("unit", [EACH, HOUR])
def test_a_number_too_large_for_any_quantity_is_refused_beside_it(unit, typed):
    """Hours were checked to the hundredth before their range: a number of more digits than
    the hundredth holds (``1e30`` typed in a cell of the scoring grid, which passes the text
    on as typed) raised decimal's InvalidOperation, a 500, instead of the field's message."""
    with pytest.raises(ValidationFailed) as refused:
        normalise_quantity(unit, typed)

    assert list(refused.value.errors) == ["quantity"]


@pytest.mark.parametrize(
    ("unit", "typed", "quantity"),
    [(HOUR, "24", "24.00"), (HOUR, " 0.25 ", "0.25"), (EACH, "1E+3", "1000.00")],
)
def test_a_quantity_in_range_is_kept_to_the_hundredth(unit, typed, quantity):
    assert normalise_quantity(unit, typed) == Decimal(quantity)
