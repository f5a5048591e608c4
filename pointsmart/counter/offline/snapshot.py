"""What a counter keeps so it can sell without network (the phone refreshes it while online).

One read of the village's households with their cached balances (no ledger scan), one of the
shop's goods. Names are masked (张*明): the snapshot sits on a phone, and the shopkeeper
knows the household by its number and the card. ``etag`` is a hash of the content, so a
counter that already holds the same snapshot gets a short 304 answer.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa

from ...accounts.auth import Principal
from ...database import utcnow
from ...extensions import db
from ...households.models import Household
from ...ledger.models import Account
from ...text import mask_name
from ...villages.models import Village
from .. import customers, goods


def offline_snapshot(actor: Principal, shop_id: int) -> dict[str, Any]:
    """The shop's snapshot, for its own keeper: the village's active households (id, number,
    masked name, card version, balance), the shop's offered goods (id, name, price, stock),
    the village's offline limit and PIN threshold, the time it was taken and its ``etag``."""
    shop = goods.find_shop(shop_id)
    customers.require_seller(actor, shop)
    village = db.session.get(Village, shop.village_id)
    households = [
        {
            "id": row.id,
            "number": row.number,
            "name": mask_name(row.head_name),
            "card_version": row.card_version,
            "balance": row.balance,
        }
        for row in db.session.execute(
            sa.select(
                Household.id,
                Household.number,
                Household.head_name,
                Household.card_version,
                Account.balance,
            )
            .join(Account, Account.household_id == Household.id)
            .where(Household.village_id == village.id, Household.status == "active")
            .order_by(Household.id)
        )
    ]
    offered = [
        {"id": p.id, "name": p.name, "points_price": p.points_price, "stock": p.stock}
        for p in goods.list_products(actor, shop.id, active_only=True)
    ]
    content = {
        "shop_id": shop.id,
        "shop_name": shop.name,
        "village_id": village.id,
        "timezone": village.timezone,
        "offline_limit": village.offline_limit if shop.active else 0,
        "pin_required_above": village.pin_required_above,
        "households": households,
        "goods": offered,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
    etag = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return {**content, "etag": etag, "taken_at": utcnow()}
