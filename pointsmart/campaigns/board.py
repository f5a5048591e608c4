"""The campaigns on the public board and the TV: the honour roll (光荣榜) of conferred titles
and the results on public notice (公示), with household number and head only (masked where
the village masks names, as every public page)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..board.names import mask_name, public_names, village_masks_names
from ..extensions import db
from ..households.models import Household
from ..periods import local_today
from . import scope, windows
from .conferral import honour_roll
from .models import STANDING, Campaign, Nomination


def notices(village_id: int) -> list[dict[str, Any]]:
    """Published campaigns in their notice, with their winners and the council's tallies."""
    published = list(
        db.session.execute(
            sa.select(Campaign)
            .where(
                scope.open_to_village(village_id),
                Campaign.published_at.is_not(None),
                Campaign.conferred_at.is_(None),
            )
            .order_by(Campaign.published_at.desc())
        ).scalars()
    )
    result = []
    for campaign in published:
        today = local_today(scope.timezone_of(campaign))
        if not windows.notice_open(campaign, today):
            continue
        rows = db.session.execute(
            sa.select(
                Nomination.household_id,
                Nomination.approvals,
                Nomination.rejections,
                Nomination.beans,
                Household.number,
                Household.head_name,
                Household.village_id,
            )
            .join(Household, Household.id == Nomination.household_id)
            .where(
                Nomination.campaign_id == campaign.id,
                Nomination.won.is_(True),
                Nomination.status == STANDING,
            )
            .order_by(Nomination.rank)
        )
        result.append(
            {
                "campaign_id": campaign.id,
                "title": campaign.title,
                "notice_until": campaign.notice_until,
                "bean_votes": campaign.bean_votes,
                "winners": [dict(row._mapping) for row in rows],
            }
        )
    return result


TV_ROWS = 10  # the TV cannot scroll: its honour roll panel shows at most this many rows


def campaign_board(village_id: int) -> dict[str, list[dict[str, Any]]]:
    """What the public board and the TV show of the campaigns (names as the public sees them):
    ``notices``, ``honour`` and ``tv_rows`` (title, on notice or not, number, head; the
    notices first, then the newest titles, at most ``TV_ROWS``)."""
    shown = {"honour": honour_roll(village_id), "notices": notices(village_id)}
    masks = village_masks_names(village_id)
    for group in shown.values():
        for item in group:
            public_names(item["winners"], village_id)
            for winner in item["winners"]:  # a township's winner of a village that masks
                other = winner["village_id"]
                if not masks and other != village_id and village_masks_names(other):
                    winner["head_name"] = mask_name(winner["head_name"])
    rows = [
        {"title": item["title"], "on_notice": on_notice, **winner}
        for on_notice, group in ((True, shown["notices"]), (False, shown["honour"]))
        for item in group
        for winner in item["winners"]
    ]
    shown["tv_rows"] = rows[:TV_ROWS]
    return shown
