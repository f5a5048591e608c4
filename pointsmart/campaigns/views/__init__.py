"""Pages of the campaigns (评选). The blueprint lives here; the route modules (``staff``,
``villager``, ``public``) add their routes to it and ``setup`` imports them.

Every form carries CSRF and a one-time key and runs through ``forms.run_once``; a refusal
other than a 403 comes back to the page as a message in the page's language.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, flash, redirect

from ...accounts.auth import Principal
from ...errors import NotFound, Problem
from ...extensions import db
from ...forms import run_once

bp = Blueprint(
    "campaigns_pages",
    __name__,
    template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
)


def problem_message(problem: Problem) -> str:
    """A refusal in words: its detail or title, then the field messages."""
    messages = [str(problem.detail if problem.detail is not None else problem.title)]
    for field_messages in (problem.errors or {}).values():
        if isinstance(field_messages, list):
            messages += [str(m) for m in field_messages]
    return " ".join(messages)


def act(actor: Principal, payload: dict, produce: Callable[[], dict], back: str, done) -> object:
    """Run a form's work once; flash ``done`` (or the refusal) and go ``back`` (303)."""
    try:
        run_once(actor, payload, produce)
    except NotFound:
        raise
    except Problem as problem:
        if problem.status == 403:
            raise  # not this person's to do: a refusal page, not a form message
        db.session.rollback()
        flash(problem_message(problem), "error")
        return redirect(back, 303)
    flash(str(done), "success")
    return redirect(back, 303)


def refuse_form(errors: dict[str, list[str]], back: str) -> object:
    """A form that did not parse: its messages, back on the page it came from."""
    flash(" ".join(m for messages in errors.values() for m in messages), "error")
    return redirect(back, 303)
