"""Names on public pages: a village may mask the head of household's name (张*明).

One function decides it for every public page and public API answer, so the board, the
leaderboard and the TV page can never disagree. Staff of the village and the household itself
always see the full name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from ..accounts.auth import Principal
from ..extensions import db
from ..text import mask_name
from ..villages.models import Village


def village_masks_names(village_id: int) -> bool:
    """Whether the village asked for masked names on its public pages."""
    return bool(
        db.session.execute(
            sa.select(Village.mask_names).where(Village.id == village_id)
        ).scalar_one_or_none()
    )


def public_names(
    items: Iterable[dict[str, Any]],
    village_id: int,
    viewer: Principal | None = None,
    *,
    key: str = "head_name",
) -> list[dict[str, Any]]:
    """``items`` (dicts with ``household_id`` and ``key``) as ``viewer`` may see them.

    When the village masks names, every name is masked except for the village's staff (who see
    all of them) and a signed-in household (which sees its own). ``viewer`` None is the public
    (a TV in the service hall, a visitor). The items are changed in place and returned.
    """
    items = list(items)
    if not village_masks_names(village_id):
        return items
    if viewer is not None and viewer.is_staff_of(village_id):
        return items
    own = viewer.household_id if viewer is not None else None
    for item in items:
        if own is None or item.get("household_id") != own:
            item[key] = mask_name(item[key])
    return items
