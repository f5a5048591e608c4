"""A campaign's windows, in the village's days (every date inclusive).

* nomination: ``nominate_from`` .. ``nominate_until``;
* review (council votes, 豆选): ``nominate_until`` .. ``review_until``; the last day of
  nominations is also the first of review, so that a campaign can run in one day;
* notice (公示): from the day of publication for ``notice_days`` days (none when 0).

Publishing ends nominations and review whatever their dates say. Council votes stay secret
(from everyone but the member who cast them) until the review window is over or the result
is published.
"""

from __future__ import annotations

import datetime as dt

from ..extensions import db
from ..periods import local_today
from ..villages.models import Village
from .errors import WindowClosed
from .models import Campaign

NOMINATION, REVIEW, NOTICE = "nomination", "review", "notice"


def today_of_village(village_id: int) -> dt.date:
    return local_today(db.session.get(Village, village_id).timezone)


def nomination_open(campaign: Campaign, today: dt.date) -> bool:
    return campaign.published_at is None and (
        campaign.nominate_from <= today <= campaign.nominate_until
    )


def review_open(campaign: Campaign, today: dt.date) -> bool:
    return campaign.published_at is None and (
        campaign.nominate_until <= today <= campaign.review_until
    )


def votes_secret(campaign: Campaign, today: dt.date) -> bool:
    return campaign.published_at is None and today <= campaign.review_until


def notice_open(campaign: Campaign, today: dt.date) -> bool:
    return (
        campaign.published_at is not None
        and campaign.conferred_at is None
        and campaign.notice_until is not None
        and today <= campaign.notice_until
    )


def stage(campaign: Campaign, today: dt.date) -> str:
    """Where the campaign is: upcoming, nomination, review, counting (review over, not yet
    published), notice, ready (to confer) or conferred."""
    if campaign.conferred_at is not None:
        return "conferred"
    if campaign.published_at is not None:
        return NOTICE if notice_open(campaign, today) else "ready"
    if today < campaign.nominate_from:
        return "upcoming"
    if today < campaign.nominate_until or (
        today == campaign.nominate_until and nomination_open(campaign, today)
    ):
        return NOMINATION
    if today <= campaign.review_until:
        return REVIEW
    return "counting"


def require(campaign: Campaign, window: str, today: dt.date) -> None:
    """Refuse (``WindowClosed``) unless ``window`` is open today."""
    is_open = {
        NOMINATION: nomination_open,
        REVIEW: review_open,
        NOTICE: notice_open,
    }[window](campaign, today)
    if not is_open:
        raise WindowClosed(window=window, **dates(campaign))


def dates(campaign: Campaign) -> dict[str, str | None]:
    return {
        "nominate_from": campaign.nominate_from.isoformat(),
        "nominate_until": campaign.nominate_until.isoformat(),
        "review_until": campaign.review_until.isoformat(),
        "notice_until": campaign.notice_until.isoformat() if campaign.notice_until else None,
    }
