"""The leader's and the committee's pages of awards. ``bp`` is defined in ``blueprint``; each
page module registers on it, and importing this package loads them all:

* ``pages``: finding a household, awarding by rule, reversing one's own entry;
* ``approvals``: "my entries" of the month and the approvals queue;
* ``scoring``: the monthly scoring grid.

The red and black list's pages are the board's (``board.views``).
"""

from . import approvals, pages, scoring
from .blueprint import bp

__all__ = ["approvals", "bp", "pages", "scoring"]
