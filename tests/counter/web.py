"""Helpers for page tests: sign a staff member in, read a form's hidden fields."""

from __future__ import annotations

import re

from pointsmart.accounts.auth import SESSION_TOKEN_KEY
from pointsmart.extensions import db

HIDDEN = re.compile(r'<input type="hidden" name="(csrf_token|form_key)" value="([^"]+)"')


def sign_in(client, staff) -> None:
    """Put the staff member's server-side token in the client's session cookie."""
    db.session.commit()  # what the test built is visible to the request
    with client.session_transaction() as session:
        session[SESSION_TOKEN_KEY] = staff.token


def hidden_fields(html: str, action: str | None = None) -> dict[str, str]:
    """The CSRF token and the one-time form key of the form posting to ``action`` (or the
    first form)."""
    if action is not None:
        start = html.index(f'action="{action}"')
        html = html[start : html.index("</form>", start)]
    return dict(HIDDEN.findall(html))


def get(client, path: str, expect: int = 200):
    db.session.commit()
    response = client.get(path)
    assert response.status_code == expect, (path, response.status_code, response.data[:300])
    return response


def post(client, path: str, data: dict, expect: int = 303, **kwargs):
    db.session.commit()
    response = client.post(path, data=data, **kwargs)
    assert response.status_code == expect, (path, response.status_code, response.data[:500])
    return response
