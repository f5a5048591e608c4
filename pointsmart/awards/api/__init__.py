"""The awards API: ``blp`` and the shared answers live in ``routes`` (rules, awards,
approvals, batches, settings); ``board`` adds the red and black entries and objections.
Importing this package loads them all.
"""

from . import board, routes
from .routes import blp

__all__ = ["blp", "board", "routes"]
