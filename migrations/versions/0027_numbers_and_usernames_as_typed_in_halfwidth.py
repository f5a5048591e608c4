"""households and users: numbers and usernames kept as the app now reads them

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04

Since 2026-12-04 the app reads a household number with its dashes and minus signs as ``-``
(Word and Excel write U+2212 where a hyphen was typed) and in NFKC (full-width digits), and a
staff username in NFKC (typed in a Chinese input method's full-width mode). What was stored
before was kept as typed, so such a household was not found by its number as typed now, and
such a user could not sign in. Every one is stored as the app reads it, unless that would
make it the same as another (a household of the same village, any user): those stay as they
are for the committee to tell apart. The rules are ``pointsmart.text.clean_number`` and
``clean_username``, written out here so that this migration keeps meaning what it meant when
those change. Nothing to undo: each is the same number or name as it was read.
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_MINUS_SIGNS = frozenset("\u2212\u02d7\u2796")
_SPACES = re.compile(r"\s+")


def _number(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(
        "-" if unicodedata.category(c) == "Pd" or c in _MINUS_SIGNS else c for c in folded
    )
    return _SPACES.sub(" ", folded).strip()


def _username(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _store_cleaned(connection, table, column, clean, scope=None) -> None:
    """Each value of ``column`` as ``clean`` reads it, unless another row of its ``scope``
    (a column, or the whole table) has it, or would have it, already."""
    key = table.c[scope] if scope is not None else sa.literal(0)
    rows = connection.execute(sa.select(table.c.id, key, table.c[column])).all()
    taken = {(scope_value, value) for _id, scope_value, value in rows}
    for row_id, scope_value, value in rows:
        cleaned = clean(value)
        if not cleaned or cleaned == value or (scope_value, cleaned) in taken:
            continue
        connection.execute(table.update().where(table.c.id == row_id).values({column: cleaned}))
        taken.add((scope_value, cleaned))


def upgrade():
    connection = op.get_bind()
    households = sa.table(
        "households",
        sa.column("id", sa.Integer),
        sa.column("village_id", sa.Integer),
        sa.column("number", sa.String),
    )
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("username", sa.String))
    _store_cleaned(connection, households, "number", _number, scope="village_id")
    _store_cleaned(connection, users, "username", _username)


def downgrade():
    pass
