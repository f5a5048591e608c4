"""Real data for the security tests: the demo village (幸福村, everything in it) plus a second,
small village, with a signed-in holder for every role of the authorization matrix.

The matrix asks every URL of the demo village ("own village") as every role; the roles marked
"other" belong to the second village. Tokens are minted per request (``World.token``), so a
sign-out or a password change in one request never spoils the next one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from PIL import Image

from pointsmart.accounts.models import ApiToken, RoleAssignment
from pointsmart.accounts.passwords import hash_secret
from pointsmart.accounts.service import create_user, load_principal
from pointsmart.activities.models import Activity, Attendance
from pointsmart.awards.models import Approval
from pointsmart.awards.photos import store_photo
from pointsmart.board.models import BoardEntry
from pointsmart.board.objections import raise_objection
from pointsmart.counter.models import Product, Shop
from pointsmart.counter.offline.sync import redeem_offline
from pointsmart.counter.photos import set_photo
from pointsmart.counter.sales import redeem_items
from pointsmart.database import utcnow
from pointsmart.demo import load_demo
from pointsmart.extensions import db
from pointsmart.households import roster_uploads
from pointsmart.households.cards import current_card, issue_card
from pointsmart.households.models import Household, Member
from pointsmart.ledger.models import Transfer
from pointsmart.periods import current_period, local_today, previous_periods
from pointsmart.regions.service import create_region
from pointsmart.rules.models import Rule
from pointsmart.villages.models import Grid, Village
from tests.factories import ROOT, Factories
from tests.security.seed_campaigns import seed_campaigns
from tests.security.seed_rule_templates import seed_rule_templates

PIN = "246810"
PASSWORD = "correct-horse-battery"


def png(size: tuple[int, int] = (4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@dataclass
class World:
    """Ids of the own village's objects, and who holds each role."""

    params: dict[str, str] = field(default_factory=dict)
    # The moment the world was seeded (set by the conftest). The matrix asks every URL at
    # that moment: a day or a month that turns while the suite runs must not close a window
    # the world opened "today" (a campaign open for nominations and review the same day).
    seeded_at: dt.datetime | None = None
    # role -> ("user", user_id) or ("household", household_id) or None (anonymous)
    holders: dict[str, tuple[str, int] | None] = field(default_factory=dict)

    def token(self, role: str) -> str | None:
        """A fresh server-side token for the role's holder (None for anonymous)."""
        holder = self.holders[role]
        if holder is None:
            return None
        kind, holder_id = holder
        token = secrets.token_urlsafe(24)
        db.session.add(
            ApiToken(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                user_id=holder_id if kind == "user" else None,
                household_id=holder_id if kind == "household" else None,
                expires_at=utcnow() + dt.timedelta(hours=1),
            )
        )
        db.session.commit()
        return token


def _first(statement):
    return db.session.execute(statement.limit(1)).scalar_one()


def roster_with_a_taken_number(number: str) -> bytes:
    """A roster file (CSV) of one row whose household number the village has already."""
    return f"户号,户主,网格/村民小组,电话,家庭成员\r\n{number},矩阵户主,,,\r\n".encode()


def give_pin(household: Household, phone: str) -> tuple[str, int]:
    """Give the household a phone and a PIN of its own choosing (no change required)."""
    household.phone = phone
    household.pin_hash = hash_secret(PIN)
    household.pin_chosen_hash = household.pin_hash
    db.session.flush()
    return ("household", household.id)


def build_world() -> World:
    """Create everything (the caller commits). Call inside an app context."""
    load_demo()
    make = Factories()
    village = _first(sa.select(Village).order_by(Village.id))
    shop = _first(sa.select(Shop).where(Shop.village_id == village.id))
    households = (
        db.session.execute(
            sa.select(Household)
            .where(Household.village_id == village.id, Household.status == "active")
            .order_by(Household.id)
            .limit(2)
        )
        .scalars()
        .all()
    )
    own, neighbour = households

    other = make.village("别的村")
    other_shop = make.shop(other)
    other_household = make.household(other, number="OT-001", head_name="外村人")
    issue_card(other_household.id)
    # The own village in a township of a county; the other village in another township.
    county = create_region(ROOT, name="矩阵县", level="county", parent_id=None)
    township = create_region(ROOT, name="矩阵镇一", level="township", parent_id=county.id)
    other_township = create_region(ROOT, name="矩阵镇二", level="township", parent_id=county.id)
    village.region_id, other.region_id = township.id, other_township.id
    db.session.flush()

    def region_staff(role, region):
        user = create_user(f"matrix-{role}-r{region.id}", PASSWORD, role=role, region_id=region.id)
        return ("user", user.id)

    def staff(role, in_village, in_shop=None):
        user = create_user(
            f"matrix-{role}-{in_village.id}",
            PASSWORD,
            role=role,
            village_id=in_village.id,
            shop_id=in_shop.id if in_shop else None,
        )
        return ("user", user.id)

    world = World()
    world.holders = {
        "anon": None,
        "hh": give_pin(own, "13900000001"),
        "nbr": give_pin(neighbour, "13900000002"),
        "hh*": give_pin(other_household, "13900000003"),
        "lead": staff("leader", village),
        "lead*": staff("leader", other),
        "shop": staff("shopkeeper", village, shop),
        "shop*": staff("shopkeeper", other, other_shop),
        "adm": staff("admin", village),
        "adm*": staff("admin", other),
        "twp": region_staff("township_admin", township),
        "twp*": region_staff("township_admin", other_township),
        "cty": region_staff("county_admin", county),
    }

    in_village = Transfer.village_id == village.id
    make.award(own, 100, memo="matrix")
    cheapest = _first(
        sa.select(Product).where(Product.shop_id == shop.id).order_by(Product.points_price)
    )
    keeper = load_principal(world.holders["shop"][1])
    redemption = redeem_items(
        keeper,
        shop_id=shop.id,
        items=[{"product_id": cheapest.id, "quantity": 1}],
        household_id=own.id,
    )
    # An offline sale the server kept for the committee (offline sales were off that day).
    offline_limit, village.offline_limit = village.offline_limit, 0
    offline_sale = redeem_offline(
        keeper,
        shop_id=shop.id,
        items=[{"product_id": cheapest.id, "quantity": 1}],
        household_id=own.id,
        made_at=utcnow(),
        client_key="matrix-offline-sale",
    ).pending
    village.offline_limit = offline_limit
    product = _first(sa.select(Product).where(Product.shop_id == shop.id).order_by(Product.id))
    set_photo(ROOT, product.id, png())
    period = current_period(village.timezone)
    # An entry of this month, still on the board, with a photo and an objection to it.
    entry = _first(
        sa.select(BoardEntry)
        .where(BoardEntry.village_id == village.id)
        .order_by(BoardEntry.id.desc())
    )
    entry.photo = store_photo(png())
    db.session.flush()
    objection = raise_objection(ROOT, entry.id, reason="不是我家", household_id=neighbour.id)
    attendance = _first(
        sa.select(Attendance)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(Activity.village_id == village.id)
        .order_by(Attendance.id.desc())
    )
    attendance_rule = db.session.get(Activity, attendance.activity_id).rule_id
    board_rule = _first(
        sa.select(Rule.id)
        .where(Rule.village_id == village.id, Rule.category == "red", Rule.active.is_(True))
        .order_by(Rule.id)
    )
    # A grid other than the household's own, so that moving the household there is a change.
    grid = _first(
        sa.select(Grid)
        .where(Grid.village_id == village.id, Grid.id != sa.func.coalesce(own.grid_id, 0))
        .order_by(Grid.id)
    )
    member = Member(household_id=own.id, name="矩阵成员", relation="子女")
    db.session.add(member)
    db.session.flush()
    leader_id = world.holders["lead"][1]
    leader_role = _first(
        sa.select(RoleAssignment.id).where(
            RoleAssignment.user_id == leader_id, RoleAssignment.village_id == village.id
        )
    )
    # The admin's roster upload waiting for its preview. Its one row repeats a household number
    # of the village: the preview lists that problem and confirming it imports nothing and
    # goes back to the preview, so the kept file outlives every request of the matrix (a clean
    # roster, once imported, would be deleted and the next request would find it gone).
    import_token = roster_uploads.save_upload(
        load_principal(world.holders["adm"][1]),
        village.id,
        "roster.csv",
        roster_with_a_taken_number(own.number),
    )
    world.params = {
        "village_id": str(village.id),
        "household_id": str(own.id),
        "shop_id": str(shop.id),
        "product_id": str(product.id),
        "rule_id": str(
            _first(sa.select(Rule.id).where(Rule.village_id == village.id).order_by(Rule.id))
        ),
        # The sale's transfer (written when the seed commits): a sale is voided, not reversed.
        "transfer_id": str(redemption.transfer_id),
        "redemption_id": str(redemption.id),
        "offline_sale_id": str(offline_sale.id),
        "approval_id": str(_first(sa.select(Approval.id).where(Approval.village_id == village.id))),
        "activity_id": str(attendance.activity_id),
        "attendance_id": str(attendance.id),
        "entry_id": str(entry.id),
        "objection_id": str(objection.id),
        "period": previous_periods(period, 2)[0],
        "token": current_card(own.id).token,
        "this_period": period,
        # The village's own day: between 16:00 and 24:00 UTC it is already tomorrow in China.
        "today": local_today(village.timezone).isoformat(),
        "volunteer_rule_id": str(attendance_rule),
        "board_rule_id": str(board_rule),
        "cheapest_product_id": str(cheapest.id),
        "number": own.number,
        "head_name": own.head_name,
        "grid_id": str(grid.id),
        "member_id": str(member.id),
        "user_id": str(leader_id),
        "role_id": str(leader_role),
        "import_token": import_token,
        "head_hash": _first(
            sa.select(Transfer.hash).where(in_village).order_by(Transfer.seq.desc())
        ),
        "code": "en",
        "kind": "png",
        "region_id": str(township.id),
        "county_id": str(county.id),
        **seed_campaigns(village, own, neighbour, leader_id, world.holders["adm"][1]),
        **seed_rule_templates(county.id),
    }
    db.session.commit()
    return world
