"""GET a page or a download as a browser would, whole.

``buffered=True`` reads a streamed body (the CSV exports) inside the request's own context:
the test client runs each request in a context of its own (tests/conftest.py), and a
streamed body needs it while it is read.
"""

from __future__ import annotations

from pointsmart.extensions import db


def get(client, path: str, expect: int = 200):
    db.session.commit()  # what the test built is visible to the request
    response = client.get(path, buffered=True)
    assert response.status_code == expect, (path, response.status_code, response.data[:300])
    return response
