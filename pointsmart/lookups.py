"""Finding a row by its key, or refusing with the 404 that says what is missing: the one way
a service or a page loads "the village", "the rule", "the sale" it was given an id of."""

from __future__ import annotations

from typing import Any, TypeVar

from .errors import NotFound
from .extensions import db

Row = TypeVar("Row")


def get_or_refuse(model: type[Row], key: Any, missing: Any) -> Row:
    """The row of ``model`` whose primary key is ``key``; when there is none, ``NotFound``
    (404) with ``missing`` as its message ("No such rule.")."""
    row = db.session.get(model, key)
    if row is None:
        raise NotFound(missing)
    return row
