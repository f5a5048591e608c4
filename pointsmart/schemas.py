"""Schemas shared by every API: pagination and the problem envelope; a photo sent in a JSON
body as base64; the range of a day a form or a request may give."""

import base64
import binascii

from flask_babel import lazy_gettext as _l
from marshmallow import INCLUDE, Schema, fields, validate

from .errors import ValidationFailed
from .periods import FIRST_DAY, LAST_DAY

# A day given for an activity, a rule's start or a campaign's stages: one the app reckons
# with (its month is a ledger period). An activity held on 0001-01-01 was taken and could
# then never be posted; a campaign's notice could run past the last date.
A_DAY_OF_THE_CALENDAR = validate.Range(
    FIRST_DAY,
    LAST_DAY,
    error=_l("Give a day from %(first)s to %(last)s.", first=FIRST_DAY, last=LAST_DAY),
)

MAX_PAGE = 500
DEFAULT_PAGE = 50

# The largest ids the database can hold: INTEGER keys (villages, grids, households, ...) and
# BIGINT keys (transfers). A larger number names no row; refusing it here keeps it from
# reaching the database, which would fail on it (a 500).
MAX_ID = 2**31 - 1
MAX_BIG_ID = 2**63 - 1


class PageQuery(Schema):
    """``limit`` and ``after``, the id to continue after: an INTEGER key's range (lists of
    transfers, with BIGINT keys, allow more); PostgreSQL fails on a larger one (a 500)."""

    limit = fields.Int(load_default=DEFAULT_PAGE, validate=validate.Range(1, MAX_PAGE))
    after = fields.Int(load_default=None, allow_none=True, validate=validate.Range(1, MAX_ID))


def page_schema(name: str, item: type[Schema]) -> type[Schema]:
    """The schema named ``name`` of the API's list envelope (:func:`page_of`) of ``item``:
    ``items`` and ``next_after``, the cursor of the next page (null on the last)."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item)), "next_after": fields.Int(allow_none=True)},
        name=name,
    )


class ProblemSchema(Schema):
    """application/problem+json: every refusal. Some codes add fields (e.g. ``balance``)."""

    class Meta:
        unknown = INCLUDE

    status = fields.Int(required=True)
    code = fields.Str(required=True, metadata={"description": "stable, machine-readable"})
    title = fields.Str(required=True)
    detail = fields.Str()
    errors = fields.Dict(metadata={"description": "field name -> messages (422)"})


def page_of(items: list, limit: int, cursor_of) -> dict:
    """The API's list envelope: ``items`` and the cursor for the next page, if any.

    ``items`` may hold one element more than ``limit``; that extra one only tells that another
    page exists.
    """
    has_more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_after": cursor_of(items[-1]) if has_more and items else None}


def photo_from_base64(text: str | None) -> bytes | None:
    """The bytes of a photo sent as ``photo_base64`` (plain base64 or a ``data:`` URL), or
    None when none was sent; a 422 on ``photo_base64`` when it is not base64. What the bytes
    are is for the photo's owner to check."""
    if not text:
        return None
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationFailed(
            errors={"photo_base64": [str(_l("The photo is not valid base64."))]}
        ) from error
