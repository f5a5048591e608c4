"""Writes that must outlive the refusal they belong to.

A refused request rolls back everything it did. A wrong password or PIN refuses its request,
yet the failed attempt must be counted, or the limits on guessing would never bite. Such a
write is made after the rollback, in a transaction of its own, when the refusal's response is
sent (``after_this_request``); outside a request (a command, a test calling the service) it is
made at once, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import after_this_request, has_request_context

from .extensions import db


def write_after_the_refusal(write: Callable[[], None]) -> None:
    """Run ``write`` once the request's own work has been rolled back, and commit it."""
    if not has_request_context():
        write()
        return

    @after_this_request
    def written_after_the_refusal(response):
        db.session.rollback()
        write()
        db.session.commit()
        return response
