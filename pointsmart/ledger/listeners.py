"""What runs inside the posting transaction right after a household transfer is written.

Other packages (text messages: ``pointsmart.notify``) register a listener when the app is
built (``on_household_transfer(app, listener)`` in ``create_app``), never at import time. A
listener gets the persistent ``Transfer`` and may write rows of its own through the session:
they commit or roll back with the transfer, so a crash between posting and anything that
follows loses nothing and does nothing twice. A listener that raises refuses the post.

``household_transfer_posted(transfer)`` is the one call the posting code makes for each
household transfer (``service._post``); it calls every listener once per transfer, however
often it is told.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

LISTENERS = "pointsmart.ledger.household_transfer_listeners"
_DONE = "_pointsmart_listeners_done"


def on_household_transfer(app: Flask, listener: Callable[[Any], None]) -> None:
    """Call ``listener(transfer)`` after every household transfer this app posts."""
    app.extensions.setdefault(LISTENERS, []).append(listener)


def household_transfer_posted(transfer: Any) -> None:
    """Tell the app's listeners that ``transfer`` was written (once per transfer)."""
    if transfer.household_id is None or getattr(transfer, _DONE, False):
        return
    setattr(transfer, _DONE, True)
    for listener in current_app.extensions.get(LISTENERS, ()):
        listener(transfer)
