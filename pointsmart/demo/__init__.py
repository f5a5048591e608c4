"""The demo village 幸福村: staff, households, a shop and a few months of history.

``flask --app pointsmart demo`` calls :func:`load_demo`. Everything goes through the service
functions a real village would use (``villages.service``, ``accounts.service``,
``ledger.service``), so the demo obeys the same rules and ``flask ledger verify`` is clean
after it. The history is generated from ``random.Random(2026)``: the same households, names,
phones and entries every time. Only the months depend on the calendar: the three months
before the current one, and the current month so far.

The story it tells:

* three grids of about twenty households each, with members, most with a mobile number;
* a rule catalogue (积分细则, see ``demo.catalogue``): 门前三包, 垃圾分类, 志愿服务每小时,
  孝老爱亲, 好媳妇, 好婆婆, 红白事简办, ... and deductions such as 乱堆乱放, 焚烧秸秆,
  不赡养老人; every award and deduction of the history is an entry by rule (it names the
  rule version in force on its day and keeps its quantity); 志愿服务 paid 8 points an hour
  until the month before last and 10 since;
* past months: the grid worker's monthly scoring (门前三包, 垃圾分类), volunteer activities
  recorded by the volunteer leader (with their attendance), red-list commendations and
  village meetings by the village admin, a few black-list deductions, red and black entries
  on the board;
* sales at the shop on several days of every month (the shopkeeper restocks on the 1st), one
  sale voided by the shopkeeper the same day (a wrong item), and the committee settling
  each month's account with the shop on the 5th of the next, except last month's, which
  waits for the committee (so a newcomer can settle it);
* the current month: volunteering, red/black entries and sales so far (some of them today;
  the monthly scoring comes at the month's end), two reversals (a duplicated award, a
  deduction that turned out wrong), and a big commendation (好婆婆, above the approval
  threshold) waiting for the admin's approval;
* a few households have nothing yet (new, balance 0) and a few owe points (negative).

Every entry carries its real date: the history is posted in time order inside
``clock.historical``, whose clock each entry moves to its own day and hour (and never past
the real now). So a transfer's period is the month of its day, the stamps of the chain rise
with its positions, past months' reports, 公示 sheets and shop statements show their own
figures, and a sale of a past day is past the shopkeeper's same-day void.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .. import clock
from ..accounts.auth import Principal
from ..accounts.models import User
from ..accounts.passwords import verify_secret
from ..accounts.service import create_user, load_principal
from ..campaigns.demo import load_demo_campaigns
from ..counter.models import Product, Shop
from ..extensions import db
from ..households.models import Household
from ..ledger import service as ledger
from ..periods import current_period, previous_periods
from ..villages import service as villages
from ..villages.models import Village
from .catalogue import DemoCatalogue
from .history import History
from .people import create_households
from .story import (
    DEMO_LOGINS,
    DEMO_STOCK,
    GLOBAL_ADMIN,
    GOODS,
    GRID_NAMES,
    GRID_WORKER,
    SALT,
    SEED,
    SHOP_NAME,
    SHOPKEEPER,
    TIMEZONE,
    VILLAGE_ADMIN,
    VILLAGE_NAME,
    VILLAGER_LABEL,
    VILLAGER_PIN,
    VOLUNTEER_LEADER,
    DemoLogin,
)


def load_demo() -> list[tuple[str, str, str]] | None:
    """Create the demo village with its staff and history; the caller commits.

    Returns the demo logins as ``(role, username, password)``, or None without changing
    anything when a village (or a user with a demo username) already exists.
    """
    if _data_exists():
        return None
    rng = random.Random(SEED)  # noqa: S311 - made-up demo data, reproducible on purpose
    now = clock.utcnow()
    months = previous_periods(current_period(TIMEZONE, now), 4)
    opening = dt.datetime.combine(_first_day(months[0]), dt.time(8), tzinfo=ZoneInfo(TIMEZONE))

    with clock.historical(opening) as history_clock:  # the village opens on its first day
        users = {GLOBAL_ADMIN.username: _create_login(GLOBAL_ADMIN)}
        actor = load_principal(users[GLOBAL_ADMIN.username].id)
        village = villages.create_village(
            actor,
            name=VILLAGE_NAME,
            timezone=TIMEZONE,
            yuan_per_point=Decimal("0.10"),
            approval_threshold=50,
        )
        grids = [villages.create_grid(actor, village.id, name=name) for name in GRID_NAMES]
        shop = Shop(village_id=village.id, name=SHOP_NAME)
        db.session.add(shop)
        db.session.flush()
        ledger.open_shop_account(village.id, shop.id)
        for login in DEMO_LOGINS[1:]:
            users[login.username] = _create_login(login, village.id, shop.id)

        household_ids = create_households(actor, village.id, [g.id for g in grids], rng)
        catalogue = DemoCatalogue(
            actor, village.id, first_day=_first_day(months[0]), rate_change=_first_day(months[-2])
        )
        user_ids = {u: user.id for u, user in users.items()}
        products = _stock_the_shop(actor, shop.id)
        history = History(
            village, shop.id, household_ids, user_ids, rng, catalogue, products, months
        )
        # Up to a second ago (within this month): the story ends before the real now.
        this_month = dt.datetime.combine(_first_day(months[-1]), dt.time(), ZoneInfo(TIMEZONE))
        history.post(history_clock, until=max(now - dt.timedelta(seconds=1), this_month))
        # The campaigns (评选) close the story, just after its last entry (a stamp of its own,
        # still before the real now): one conferred, one open.
        history_clock.move_to(history_clock.now + dt.timedelta(milliseconds=500))
        council = [user_ids[login.username] for login in (VILLAGE_ADMIN, VOLUNTEER_LEADER)]
        council.append(user_ids[GRID_WORKER.username])
        load_demo_campaigns(
            actor, village.id, council, user_ids[GRID_WORKER.username], _demo_villager().id
        )
    # What happens as the demo loads, at the real time: the proposal, the cards, the PIN.
    history.waiting_approval()
    _issue_cards(actor, household_ids)
    staff = [(login.label, login.username, login.password) for login in DEMO_LOGINS]
    return [*staff, _villager_login(actor, household_ids)]


def working_demo_logins() -> list[tuple[str, str, str]]:
    """The demo logins that still work: the user exists, is active and has the demo password."""
    rows = db.session.execute(
        sa.select(User.username, User.password_hash).where(
            User.active.is_(True), User.username.in_([login.username for login in DEMO_LOGINS])
        )
    ).all()
    hashes = dict(rows)
    logins = [
        (login.label, login.username, login.password)
        for login in DEMO_LOGINS
        if login.username in hashes and verify_secret(hashes[login.username], login.password)
    ]
    villager = _demo_villager()
    if (
        villager is not None
        and villager.pin_hash
        and verify_secret(villager.pin_hash, VILLAGER_PIN)
    ):
        logins.append((VILLAGER_LABEL, villager.phone, VILLAGER_PIN))
    return logins


def _demo_villager() -> Household | None:
    """The demo's first household with a phone: the one that signs in on /me."""
    return db.session.execute(
        sa.select(Household)
        .where(Household.phone.is_not(None), Household.village_id == Village.id)
        .where(Village.name == VILLAGE_NAME)
        .order_by(Household.id)
        .limit(1)
    ).scalar_one_or_none()


def _villager_login(actor: Principal, household_ids: list[int]) -> tuple[str, str, str]:
    """A household that can sign in on /me at once: its PIN counts as chosen by itself, so
    the first sign-in does not ask for a new one."""
    from ..counter.pins import set_pin

    household = _demo_villager()
    set_pin(actor, household.id, VILLAGER_PIN)
    household.pin_chosen_hash = household.pin_hash
    return (VILLAGER_LABEL, household.phone, VILLAGER_PIN)


def _data_exists() -> bool:
    if db.session.execute(sa.select(Village.id).limit(1)).first():
        return True
    usernames = [login.username for login in DEMO_LOGINS]
    taken = sa.select(User.id).where(User.username.in_(usernames))
    return db.session.execute(taken).first() is not None


def _first_day(period: str) -> dt.date:
    return dt.date(int(period[:4]), int(period[5:]), 1)


def _create_login(login: DemoLogin, village_id: int | None = None, shop_id: int | None = None):
    return create_user(
        login.username,
        login.password,
        role=login.role,
        village_id=village_id if login.in_village else None,
        shop_id=shop_id if login.keeps_shop else None,
        display_name=login.display_name,
    )


# --- the counter: goods on the shelf, a card for every household ----------------------------


def _stock_the_shop(actor: Principal, shop_id: int) -> dict[str, Product]:
    """The demo shop's goods with an opening stock (a stock move each), before any sale."""
    from ..counter import goods

    return {
        name: goods.create_product(
            actor, shop_id, name=name, points_price=price, stock=DEMO_STOCK.get(name, 40)
        )
        for name, price in (*GOODS, SALT)
    }


def _issue_cards(actor: Principal, household_ids: list[int]) -> None:
    """Card version 1 for every household, so the counter can be tried at once with any card."""
    from ..households.cards import issue_card

    for household_id in household_ids:
        issue_card(household_id, issued_by_id=actor.user_id)


__all__ = [
    "DEMO_LOGINS",
    "GRID_WORKER",
    "SHOPKEEPER",
    "VILLAGER_PIN",
    "VILLAGE_ADMIN",
    "VOLUNTEER_LEADER",
    "load_demo",
    "working_demo_logins",
]
