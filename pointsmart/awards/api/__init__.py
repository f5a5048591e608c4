"""The awards API: ``blp`` and the shared answers live in ``routes`` (rules, awards,
approvals, batches, settings). The red and black list's API is the board's (``board.api``).
"""

from . import routes
from .routes import blp

__all__ = ["blp", "routes"]
