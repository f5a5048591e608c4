"""Small factories that build villages, households, shops and staff through the services."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import secrets
from dataclasses import dataclass

from pointsmart.accounts.auth import Principal
from pointsmart.accounts.models import ApiToken
from pointsmart.accounts.service import create_user, load_principal
from pointsmart.counter.models import Shop
from pointsmart.database import utcnow
from pointsmart.extensions import db
from pointsmart.households import service as households
from pointsmart.ledger import service as ledger
from pointsmart.villages import service as villages

ROOT = Principal(global_admin=True, username="factory")
_counter = itertools.count(1)


@dataclass
class Staff:
    user_id: int
    username: str
    token: str

    @property
    def principal(self) -> Principal:
        return load_principal(self.user_id)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Factories:
    def village(self, name: str | None = None, **settings):
        return villages.create_village(ROOT, name=name or f"测试村{next(_counter)}", **settings)

    def grid(self, village, name: str | None = None):
        return villages.create_grid(ROOT, village.id, name=name or f"第{next(_counter)}网格")

    def household(self, village, *, grid=None, number=None, head_name="王大爷", **fields):
        view = households.create_household(
            ROOT,
            village.id,
            number=number or f"H{next(_counter):05d}",
            head_name=head_name,
            grid_id=grid.id if grid else None,
            **fields,
        )
        return view.household

    def shop(self, village, name: str | None = None):
        shop = Shop(village_id=village.id, name=name or f"合作商店{next(_counter)}")
        db.session.add(shop)
        db.session.flush()
        ledger.open_shop_account(village.id, shop.id)
        return shop

    def staff(
        self, role: str, village=None, shop=None, password: str = "correct-horse", region=None
    ) -> Staff:
        user = create_user(
            f"{role}{next(_counter)}",
            password,
            role=role,
            village_id=village.id if village else None,
            shop_id=shop.id if shop else None,
            region_id=region.id if region else None,
        )
        token = secrets.token_urlsafe(24)
        db.session.add(
            ApiToken(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                user_id=user.id,
                expires_at=utcnow() + dt.timedelta(hours=1),
            )
        )
        db.session.flush()
        return Staff(user_id=user.id, username=user.username, token=token)

    def award(self, household, points: int, **kwargs):
        kwargs.setdefault("category", "other")
        return ledger.award(household.village_id, household.id, points, **kwargs)
