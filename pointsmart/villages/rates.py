"""What a point is worth to the village's shops: ``yuan_per_point``, the yuan the village pays
a shop for each point the shop took at its counter. One rule for the API and the settings page:
0 to 1000 yuan, to the fen.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

DEFAULT_YUAN_PER_POINT = Decimal("0.10")
MAX_YUAN_PER_POINT = Decimal(1000)
FEN = Decimal("0.01")


def rate_problem(amount: Decimal) -> str | None:
    """Why ``amount`` cannot be a village's rate, or None.

    The range is checked first: rounding ``1e400`` to the fen is no number Python's decimals
    can hold (``InvalidOperation``)."""
    if not amount.is_finite() or not 0 <= amount <= MAX_YUAN_PER_POINT:
        return str(_l("Write an amount from 0 to 1000 yuan."))
    if amount != amount.quantize(FEN):
        return str(_l("At most two decimal places (fen)."))
    return None


def kept_rate(amount: Decimal) -> Decimal:
    """The rate as stored and shown: to the fen, and never -0.00 (``-0`` is no less than 0)."""
    return amount.quantize(FEN).copy_abs()
