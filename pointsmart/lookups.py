"""Finding a row by its key, or refusing with the 404 that says what is missing: the one way
a service or a page loads "the village", "the rule", "the sale" it was given an id of."""

from __future__ import annotations

from typing import Any, TypeVar

from .errors import NotFound
from .extensions import db
from .schemas import MAX_ID

Row = TypeVar("Row")


def is_key(key: Any) -> bool:
    """Whether ``key`` could be a row's id (a positive integer the database's INTEGER holds):
    a larger one, given in a form or a query, names no row, and PostgreSQL would fail on it."""
    return isinstance(key, int) and not isinstance(key, bool) and 0 < key <= MAX_ID


def village_row(model: type[Row], key: Any, village_id: int) -> Row | None:
    """The row of ``model`` (a grid, a shop) with this key, if it belongs to the village;
    None for any other key, one that no row can have included."""
    row = db.session.get(model, key) if is_key(key) else None
    return row if row is not None and row.village_id == village_id else None


def get_or_refuse(model: type[Row], key: Any, missing: Any) -> Row:
    """The row of ``model`` whose primary key is ``key``; when there is none, ``NotFound``
    (404) with ``missing`` as its message ("No such rule.")."""
    row = db.session.get(model, key)
    if row is None:
        raise NotFound(missing)
    return row
