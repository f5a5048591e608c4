"""Pages of the counter. ``bp`` is defined in ``blueprint``; each page module registers on it,
and importing this package loads them all:

* ``counter``: the counter itself, receipts and voids;
* ``goods``: goods and stock;
* ``office``: shops, counter settings and settlement statements.
"""

from . import counter, goods, office
from .blueprint import bp

__all__ = ["bp", "counter", "goods", "office"]
