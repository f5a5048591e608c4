"""Pages of the rule templates: the county's (``county``: make, edit, publish, read) and the
village's (``village``: see and adopt). ``bp`` is defined in ``blueprint``; importing this
package loads the page modules."""

from . import county, village
from .blueprint import bp

__all__ = ["bp", "county", "village"]
