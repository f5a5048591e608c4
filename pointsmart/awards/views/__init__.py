"""The leader's and the committee's pages of awards. ``bp`` is defined in ``blueprint``; each
page module registers on it, and importing this package loads them all:

* ``pages``: finding a household, awarding by rule, approvals, my entries, photos;
* ``board``: red and black entries and objections;
* ``scoring``: the monthly scoring grid.
"""

from . import board, pages, scoring
from .blueprint import bp

__all__ = ["board", "bp", "pages", "scoring"]
