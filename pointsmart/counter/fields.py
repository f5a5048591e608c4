"""Marshmallow fields that the counter's schemas share, online (``counter.schemas``) and
offline (``counter.offline.schemas``)."""

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from ..periods import FIRST_DAY

# The first moment of the days the app reckons with: a sale "made" in 0001-01-01 (a phone's
# clock reset, a tampered request) had a day whose bounds are no dates (a 500 at the limit).
EARLIEST_SALE = dt.datetime.combine(FIRST_DAY, dt.time(), tzinfo=dt.UTC)


def made_at_field(**kwargs) -> fields.Field:
    """The time an offline sale was made on the phone (ISO 8601 with its offset), from
    :data:`EARLIEST_SALE` on (a later one than now is taken as now)."""
    return fields.AwareDateTime(
        default_timezone=dt.UTC,
        validate=validate.Range(
            min=EARLIEST_SALE,
            error=_l(
                "The sale's time is before %(day)s: check the phone's clock.",
                day=FIRST_DAY.isoformat(),
            ),
        ),
        **kwargs,
        metadata={
            "description": "an offline sale: when it was made on the phone (from 2000-01-01 "
            "on); the sale counts in that month unless the month is settled or on a printed "
            "公示 sheet; a time after now, or before last month began, counts as now"
        },
    )
