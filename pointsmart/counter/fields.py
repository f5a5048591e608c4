"""Marshmallow fields that the counter's schemas share, online (``counter.schemas``) and
offline (``counter.offline.schemas``)."""

import datetime as dt

from marshmallow import fields


def made_at_field(**kwargs) -> fields.Field:
    """The time an offline sale was made on the phone (ISO 8601 with its offset)."""
    return fields.AwareDateTime(
        default_timezone=dt.UTC,
        **kwargs,
        metadata={
            "description": "an offline sale: when it was made on the phone; the sale counts "
            "in that month unless the month is settled or on a printed 公示 sheet"
        },
    )
