"""The committee's pages. ``bp`` is defined in ``blueprint``; each page module registers on
it, and importing this package loads them all:

* ``village``: the admin's home, the village's settings and grids, the audit log;
* ``households``: households, members, moving away, PINs;
* ``rules``: the rule catalogue and adopting the county's templates;
* ``staff``: staff users and their roles.
"""

from . import households, rules, staff, village
from .blueprint import bp

__all__ = ["bp", "households", "rules", "staff", "village"]
