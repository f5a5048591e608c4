"""What runs inside the posting transaction for a household transfer.

Other packages (text messages: ``pointsmart.notify``) register a listener when the app is
built (``on_household_transfer(app, listener)`` in ``create_app``), never at import time.

A listener has two steps, so that its reads stay out of the village's chain lock:
``listener(household_id, kind)`` is called while the posting holds the household's account
but before it takes the village's chain head, and reads what it needs (a consent, a phone);
it returns ``None`` when it has nothing to do, or a function that is called with the written
``Transfer`` after the head has moved (for a posting written at commit, a sale's: with the
``chain.PendingTransfer``, its id and balances, before the head is taken). That function may
write rows of its own through the session: they commit or roll back with the transfer, so a
crash between posting and anything that follows loses nothing and does nothing twice. A
listener that raises refuses the post.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

LISTENERS = "pointsmart.ledger.household_transfer_listeners"

AfterPosting = Callable[[Any], None]
Listener = Callable[[int, str], AfterPosting | None]


def on_household_transfer(app: Flask, listener: Listener) -> None:
    """Call ``listener(household_id, kind)`` before every household transfer this app posts,
    and what it returns with the transfer once written."""
    app.extensions.setdefault(LISTENERS, []).append(listener)


def before_household_transfer(household_id: int | None, kind: str) -> list[AfterPosting]:
    """Ask the app's listeners what they will do with the coming transfer (before the head)."""
    if household_id is None:
        return []
    followers = (
        listener(household_id, kind) for listener in current_app.extensions.get(LISTENERS, ())
    )
    return [follow for follow in followers if follow is not None]


def household_transfer_posted(followers: list[AfterPosting], transfer: Any) -> None:
    """Hand the written transfer to what the listeners returned."""
    for follow in followers:
        follow(transfer)
