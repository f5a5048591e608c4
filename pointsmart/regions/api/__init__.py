"""JSON API of the regions: the tree and the figures of its villages.

``blp`` is defined in ``blueprint`` and each route module registers on it; importing this
package loads them all.
"""

from . import dashboard, routes
from .blueprint import blp

__all__ = ["blp", "dashboard", "routes"]
