"""Pages of the regions: the tree with its forms, and the dashboard.

``bp`` is defined in ``blueprint``; each page module registers on it, and importing this
package loads them all.
"""

from . import dashboard, pages
from .blueprint import bp

__all__ = ["bp", "dashboard", "pages"]
