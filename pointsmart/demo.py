"""The demo village 幸福村: staff, households, a shop and a few months of history.

``flask --app pointsmart demo`` calls :func:`load_demo`. Everything goes through the service
functions a real village would use (``villages.service``, ``accounts.service``,
``ledger.service``), so the demo obeys the same rules and ``flask ledger verify`` is clean
after it. The history is generated from ``random.Random(2026)``: the same households, names,
phones and entries every time. Only the months depend on the calendar: the three months
before the current one, and the current month so far.

The story it tells:

* three grids of about twenty households each, with members, most with a mobile number;
* a rule catalogue (积分细则, see ``awards.demo``): 门前三包, 垃圾分类, 志愿服务每小时,
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
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from . import clock
from .accounts.auth import Principal
from .accounts.models import User
from .accounts.passwords import verify_secret
from .accounts.service import create_user, load_principal
from .awards.approvals import queue as queue_for_approval
from .awards.demo import VOLUNTEER, DemoCatalogue
from .awards.rules import last_day_of
from .awards.service import plan_by_rule
from .campaigns.demo import load_demo_campaigns
from .counter.models import Product, Shop
from .extensions import db
from .ledger import service as ledger
from .periods import current_period, previous_periods
from .villages import service as villages
from .villages.models import Household, Village

SEED = 2026
VILLAGE_NAME = "幸福村"
TIMEZONE = "Asia/Shanghai"
SHOP_NAME = "幸福村积分超市"
GRID_NAMES = ("一组", "二组", "三组")
HOUSEHOLDS_PER_GRID = 20
NEW_HOUSEHOLDS = 3  # the last ones registered: no entries yet, balance 0
TROUBLED_HOUSEHOLDS = (7, 26, 45)  # indexes of households that mostly lose points


@dataclass(frozen=True)
class DemoLogin:
    label: str  # what the command line prints
    username: str
    password: str
    role: str  # accounts.models.ROLES
    display_name: str
    in_village: bool = True
    keeps_shop: bool = False


GLOBAL_ADMIN = DemoLogin(
    "admin (all)", "admin", "admin-demo-2026", "admin", "系统管理员", in_village=False
)
VILLAGE_ADMIN = DemoLogin("admin", "xingfu-admin", "xingfu-admin-2026", "admin", "村委会 王主任")
VOLUNTEER_LEADER = DemoLogin(
    "leader", "xingfu-volunteer", "xingfu-volunteer-2026", "leader", "志愿队长 李秀英"
)
GRID_WORKER = DemoLogin("leader", "xingfu-grid", "xingfu-grid-2026", "leader", "网格员 张建华")
SHOPKEEPER = DemoLogin(
    "shopkeeper", "xingfu-shop", "xingfu-shop-2026", "shopkeeper", "店主 赵春梅", keeps_shop=True
)
DEMO_LOGINS = (GLOBAL_ADMIN, VILLAGE_ADMIN, VOLUNTEER_LEADER, GRID_WORKER, SHOPKEEPER)

# --- people ----------------------------------------------------------------------------------

SURNAMES = "王王王李李李张张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗"
OLD_MEN = (
    "建国 建军 国强 志强 德明 永福 长林 金山 保国 学文 振华 春生 树林 广才 立新 卫东 世昌 有财 福贵"
)
OLD_WOMEN = "秀英 桂兰 玉兰 凤英 春梅 秀珍 淑芬 翠花 美华 桂芳 金凤 雪梅 素珍 玉梅 兰英"
MID_MEN = "伟 磊 强 军 勇 涛 斌 浩 鹏 海军 小兵 晓东 志刚 红军 文斌 宏伟"
MID_WOMEN = "静 丽 芳 敏 燕 娟 霞 红梅 丽娟 海燕 小燕 晓红 艳 玲"
YOUNG_BOYS = "浩然 子轩 宇航 俊杰 博文 天佑 一鸣 梓睿"
YOUNG_GIRLS = "欣怡 雨涵 思琪 佳怡 梓涵 婷婷 诗雨 可欣"
# Mobile numbers: 11 digits, from the 13x, 15x and 18x ranges.
PHONE_PREFIXES = tuple(
    f"1{block}{digit}"
    for block, digits in (("3", "0123456789"), ("5", "012356789"), ("8", "0123456789"))
    for digit in digits
)

# --- what points are given and taken for -----------------------------------------------------

ACTIVITIES = (  # (what, hours); paid by the rule 志愿服务每小时
    ("清扫村道", 2),
    ("关爱留守老人", 3),
    ("防汛巡逻", 2),
    ("河塘清理", 3),
    ("文明劝导", 2),
    ("帮扶困难户秋收", 4),
    ("村卫生室义诊引导", 2),
)
ACTIVITY_PLACES = ("村委会门口", "村东河塘", "村卫生室", "村民活动中心")
# (rule code, memo, odds); the rules are in awards.demo.DEMO_RULES
MONTHLY_SCORING = (("mqsb", "门前三包 达标", 0.8), ("ljfl", "垃圾分类 达标", 0.7))
COMMENDATIONS = (  # (rule code, the reason in words)
    ("xlaq", "孝老爱亲：悉心照顾卧床老人"),
    ("hbsj", "红白事简办：婚事新办，不收高额彩礼"),
    ("hbsj", "红白事简办：丧事简办"),
    ("hrhs", "好人好事：拾金不昧"),
    ("hrhs", "好人好事：雪天义务扫雪"),
    ("mlty", "美丽庭院 示范户"),
    ("llhm", "邻里和睦：主动调解邻里纠纷"),
    ("hxf", "好媳妇：多年照顾瘫痪在床的公婆"),
)
DEDUCTIONS = (  # (rule code, the reason in words)
    ("ldlf", "乱堆乱放：柴草占道"),
    ("fsjg", "焚烧秸秆"),
    ("ldlj", "乱倒垃圾"),
    ("syjq", "散养家禽 影响环境"),
    ("rfyh", "违规燃放烟花爆竹"),
    ("bsylr", "不赡养老人：子女拒付赡养费"),
)
WAITING_COMMENDATION = ("hpp", "好婆婆：待儿媳如亲生女儿，邻里称道")
GOODS = (  # (name, points price)
    ("洗衣粉", 50),
    ("香皂", 20),
    ("牙膏", 30),
    ("毛巾", 40),
    ("酱油", 30),
    ("卫生纸", 60),
    ("食用油 5L", 150),
    ("大米 5kg", 250),
)
# The demo household that signs in on /me with its phone number and this PIN.
VILLAGER_LABEL = "villager"
VILLAGER_PIN = "246810"
SALT = ("食盐", 10)  # the cheapest thing: what a household takes to use up its last points
SALE_DAYS = (3, 7, 11, 15, 19, 23, 27)  # days of the month the shop sees demo customers
SALES_PER_DAY = 3
SETTLEMENT_DAY = 5  # the committee settles the shop's previous month on this day
RESTOCKED_TO = 40  # what the shopkeeper brings each shelf back to on the 1st (not the rice)
MINUTES_BETWEEN_ENTRIES = 3


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

        household_ids = _create_households(actor, village.id, [g.id for g in grids], rng)
        catalogue = DemoCatalogue(
            actor, village.id, first_day=_first_day(months[0]), rate_change=_first_day(months[-2])
        )
        user_ids = {u: user.id for u, user in users.items()}
        products = _stock_the_shop(actor, shop.id)
        history = _History(
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
    from .counter.pins import set_pin

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


# --- households ------------------------------------------------------------------------------


def _create_households(
    actor: Principal, village_id: int, grid_ids: list[int], rng: random.Random
) -> list[int]:
    """About sixty households, twenty per grid, numbered XF-001, XF-002, ..."""
    taken: set[str] = set()
    ids = []
    for index in range(len(grid_ids) * HOUSEHOLDS_PER_GRID):
        members = _family(rng, taken)
        phone = _phone(rng) if rng.random() < 0.85 else None
        view = villages.create_household(
            actor,
            village_id,
            number=f"XF-{index + 1:03d}",
            head_name=members[0]["name"],
            grid_id=grid_ids[index // HOUSEHOLDS_PER_GRID],
            phone=phone,
            members=members,
        )
        ids.append(view.household.id)
    return ids


def _family(rng: random.Random, taken: set[str]) -> list[dict[str, str]]:
    """A household's members, the head (本人) first, one to five people."""
    surname = rng.choice(SURNAMES)
    size = rng.choices((1, 2, 3, 4, 5), weights=(2, 5, 5, 5, 3))[0]
    head_is_man = rng.random() < 0.8
    with_parents = size >= 3 and rng.random() < 0.3
    generation = (MID_MEN, MID_WOMEN) if with_parents else (OLD_MEN, OLD_WOMEN)
    while True:
        head = surname + rng.choice((generation[0] if head_is_man else generation[1]).split())
        if head not in taken:
            taken.add(head)
            break

    def other_surname() -> str:
        return rng.choice([s for s in SURNAMES if s != surname])

    def person(relation: str, names: str, family: str | None = None) -> dict[str, str]:
        return {"name": (family or surname) + rng.choice(names.split()), "relation": relation}

    members = [{"name": head, "relation": "本人"}]
    if size >= 2:
        spouse_names = generation[1] if head_is_man else generation[0]
        members.append(person("配偶", spouse_names, other_surname()))
    if with_parents:
        members += [person("父", OLD_MEN), person("母", OLD_WOMEN, other_surname())]
        boy = rng.random() < 0.5
        members.append(person("子" if boy else "女", YOUNG_BOYS if boy else YOUNG_GIRLS))
    elif size >= 3:
        son = rng.random() < 0.6
        members.append(person("子" if son else "女", MID_MEN if son else MID_WOMEN))
        if size >= 4 and son:
            members.append(person("儿媳", MID_WOMEN, other_surname()))
        elif size >= 4:
            members.append(person("子", MID_MEN))
        if size >= 5:
            boy = rng.random() < 0.5
            members.append(person("孙子" if boy else "孙女", YOUNG_BOYS if boy else YOUNG_GIRLS))
    return members[:size]


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


# --- history ---------------------------------------------------------------------------------


class _History:
    """Posts the demo's transfers in time order, keeping its own tally of balances."""

    def __init__(
        self, village, shop_id, household_ids, user_ids, rng: random.Random, catalogue, products,
        months,
    ):  # fmt: skip
        self.village_id = village.id
        self.products = products
        self.catalogue = catalogue
        self.shop_id = shop_id
        self.rng = rng
        self.admin = user_ids[VILLAGE_ADMIN.username]
        self.volunteer_leader = user_ids[VOLUNTEER_LEADER.username]
        self.grid_worker = user_ids[GRID_WORKER.username]
        self.shopkeeper = user_ids[SHOPKEEPER.username]
        active = household_ids[: len(household_ids) - NEW_HOUSEHOLDS]
        self.troubled = [active[i] for i in TROUBLED_HOUSEHOLDS]
        self.regular = [h for h in active if h not in self.troubled]
        self.balance = dict.fromkeys(household_ids, 0)
        *self.past, self.current = months
        self.zone = ZoneInfo(TIMEZONE)
        self.clock: clock.HistoricalClock | None = None
        self.until: dt.datetime | None = None
        self.today: dt.date | None = None

    def post(self, history_clock: clock.HistoricalClock, *, until: dt.datetime) -> None:
        """Tell the story month by month, each month's entries in the order of their days."""
        self.clock, self.until = history_clock, until
        self.today = until.astimezone(self.zone).date()
        for period in self.past:
            self.month(period, full=True)
        self.month(self.current, full=False)

    # --- the clock ---------------------------------------------------------------------------

    def at(self, day: dt.date, hour: int) -> None:
        """The story reaches ``hour`` o'clock of ``day`` (or now, if that is later than now)."""
        self._move(dt.datetime.combine(day, dt.time(hour), tzinfo=self.zone))

    def tick(self) -> None:
        """A few minutes pass between two entries."""
        self._move(self.clock.now + dt.timedelta(minutes=MINUTES_BETWEEN_ENTRIES))

    def _move(self, moment: dt.datetime) -> None:
        # Never past the real now, never back; a microsecond apart where the story is
        # squeezed against now (today's entries), so the stamps still rise with the chain.
        moment = min(moment.astimezone(dt.UTC), self.until)
        self.clock.move_to(max(moment, self.clock.now + dt.timedelta(microseconds=1)))

    def day_in(self, period: str, day: int) -> dt.date:
        """A day of the month (never after today): when an entry of the story happened."""
        year, month = int(period[:4]), int(period[5:])
        if period == self.current:
            return min(dt.date(year, month, day), self.today)
        return dt.date(year, month, min(day, last_day_of(period).day))

    # --- a month -----------------------------------------------------------------------------

    def month(self, period: str, *, full: bool) -> None:
        """One month of the story: every event on its day and hour, in time order."""
        events: list[tuple[dt.date, int, int, object, tuple]] = []

        def on(day: int, hour: int, action, *args) -> None:
            events.append((self.day_in(period, day), hour, len(events), action, args))

        index = [*self.past, self.current].index(period)
        if index > 0:
            on(1, 8, self.restock)
        if 0 < index < len(self.past):  # last month waits for the committee
            on(SETTLEMENT_DAY, 10, self.settle, self.past[index - 1])
        for number, (what, hours) in enumerate(self.rng.sample(ACTIVITIES, 2 if full else 1)):
            on(8 + 10 * number, 9, self.volunteering, period, number, what, hours)
        sale_days = [d for d in SALE_DAYS if full or self.day_in(period, d).day == d]
        if not full:  # and some today, so the counter has today's sales to show (and void)
            sale_days.append(self.today.day)
        for day in sale_days:
            on(day, 10, self.sales)
        if period == self.past[-1]:
            on(SALE_DAYS[-1], 16, self.voided_sale)
        if not full:
            on(12, 14, self.corrections)
        on(25, 15, self.entries, period, full)
        if full:  # the grid worker scores every household at the month's end
            on(last_day_of(period).day, 17, self.scoring, period)
        for day, hour, _, action, args in sorted(events, key=lambda event: event[:3]):
            self.at(day, hour)
            action(*args)

    def scoring(self, period: str) -> None:
        end = last_day_of(period)
        for household in self.regular:
            for code, memo, odds in MONTHLY_SCORING:
                if self.rng.random() < odds:
                    self.award(household, code, memo, period, self.grid_worker, day=end)

    def volunteering(self, period: str, number: int, what: str, hours: int) -> None:
        day = self.day_in(period, 8 + 10 * number)
        activity = self.catalogue.activity(
            what, day, ACTIVITY_PLACES[number % len(ACTIVITY_PLACES)], self.volunteer_leader
        )
        for household in self.regular:
            if self.rng.random() < 0.3:
                memo = f"志愿服务：{what} {hours}小时"
                transfer = self.award(
                    household, VOLUNTEER, memo, period, self.volunteer_leader, day=day,
                    quantity=hours,
                )  # fmt: skip
                self.catalogue.attendance(activity, transfer, "", hours)

    def entries(self, period: str, full: bool) -> None:
        """The committee's red list and village meeting, the grid worker's black list."""
        rng = self.rng
        day = self.day_in(period, 25)
        for code, memo in rng.sample(COMMENDATIONS, 3 if full else 1):
            household = rng.choice(self.regular)
            transfer = self.award(household, code, memo, period, self.admin, day=day)
            self.catalogue.board_entry(transfer, code, day=day, reason=memo)
        if full:
            for household in rng.sample(self.regular, 25):
                self.award(household, "cjdh", "参加村民大会", period, self.admin, day=day)
        for household in rng.sample(self.regular, 2) + self.troubled:
            code, memo = rng.choice(DEDUCTIONS)
            transfer = self.award(household, code, memo, period, self.grid_worker, day=day)
            self.catalogue.board_entry(transfer, code, day=day, reason=memo)

    def corrections(self) -> None:
        """Two mistakes of this month, caught and reversed by the village admin."""
        household = self.regular[0]
        memo = "志愿服务：清扫村道 2小时"
        leader = self.volunteer_leader
        self.award(household, VOLUNTEER, memo, self.current, leader, quantity=2)
        duplicate = self.award(household, VOLUNTEER, memo, self.current, leader, quantity=2)
        ledger.reverse(duplicate.id, reason="重复录入，撤销", posted_by_id=self.admin)
        self.tick()
        self.balance[household] -= duplicate.amount

        household = self.regular[1]
        mistaken = self.award(
            household, "ldlf", "乱堆乱放：柴草占道", self.current, self.grid_worker
        )
        ledger.reverse(
            mistaken.id, reason="经核实，柴草系邻户堆放，撤销扣分", posted_by_id=self.admin
        )
        self.tick()
        self.balance[household] -= signed_points(mistaken)
        # The month's last words: a household that takes goods for every point it has.
        self.spend_everything(self.regular[-1])

    def waiting_approval(self) -> None:
        """The grid worker proposed a big commendation; it waits for the admin's approval."""
        code, memo = WAITING_COMMENDATION
        rule = self.catalogue.rules[code]
        proposer = load_principal(self.grid_worker)
        plan = plan_by_rule(rule, self.regular[2], 1, timezone=TIMEZONE, memo=memo)
        queue_for_approval(proposer, plan, board_reason=memo)

    # --- the shop ----------------------------------------------------------------------------

    def sales(self) -> None:
        """A few households come to the counter and take what their points buy."""
        for household in self.rng.sample(self.regular, SALES_PER_DAY):
            affordable = [
                (name, price)
                for name, price in GOODS
                # the demo never sells the last one: every shelf still has something
                if price <= self.balance[household] and self.products[name].stock > 2
            ]
            if not affordable:
                continue
            name, price = self.rng.choice(affordable)
            quantity = 2 if price * 2 <= self.balance[household] and price <= 30 else 1
            self.redeem(household, name, price, quantity)

    def voided_sale(self) -> None:
        """The shopkeeper rang up the wrong goods and voided the sale at once (same day)."""
        from .counter.sales import void_redemption

        household = max(self.regular, key=lambda h: (self.balance[h], -h))
        name, price = GOODS[0]
        redemption = self.redeem(household, name, price, 1)
        void_redemption(load_principal(self.shopkeeper), redemption.id, reason="拿错商品，当场撤销")
        self.tick()
        self.balance[household] += price

    def spend_everything(self, household: int) -> None:
        """A household that takes goods for every point it has: its balance ends at 0."""
        name, price = SALT
        quantity = min(self.balance[household] // price, self.products[name].stock - 1)
        if quantity > 0:
            self.redeem(household, name, price, quantity)

    def restock(self) -> None:
        """The shopkeeper fills the shelves on the 1st (the rice stays short: the goods page
        warns about it)."""
        from .counter import goods

        keeper = load_principal(self.shopkeeper)
        for name, product in self.products.items():
            if name not in DEMO_STOCK and product.stock < RESTOCKED_TO:
                delta = RESTOCKED_TO - product.stock
                goods.adjust_stock(keeper, product.id, delta=delta, memo="月初进货")
                self.tick()

    def settle(self, period: str) -> None:
        """The committee pays the shop for a month that has ended, by its statement."""
        from .counter.settlement import settle_month

        settle_month(load_principal(self.admin), self.shop_id, period)
        self.tick()

    # --- posting -----------------------------------------------------------------------------

    def award(self, household, code, memo, period, posted_by, *, day=None, quantity=1):
        """An award or deduction by the rule ``code`` (its version in force on ``day``)."""
        transfer, signed = self.catalogue.post(
            household,
            code,
            day=day or self.clock.now.astimezone(self.zone).date(),
            period=period,
            memo=memo,
            posted_by_id=posted_by,
            quantity=quantity,
        )
        self.tick()
        self.balance[household] += signed
        return transfer

    def redeem(self, household: int, name: str, price: int, quantity: int):
        """A sale at the counter, as the shopkeeper makes it: receipt, stock and ledger."""
        from .counter.sales import redeem_items

        view = redeem_items(
            load_principal(self.shopkeeper),
            shop_id=self.shop_id,
            items=[{"product_id": self.products[name].id, "quantity": quantity}],
            household_id=household,
        )
        self.tick()
        self.balance[household] -= price * quantity
        return view.redemption


def signed_points(transfer) -> int:
    """A transfer's points from its household's side (+ award, - deduction)."""
    return transfer.amount if transfer.kind == "award" else -transfer.amount


# --- the counter: goods on the shelf, a card for every household ----------------------------

# Opening stock before the demo's sales; rice runs low, so the goods page warns.
DEMO_STOCK = {"大米 5kg": 4, "食用油 5L": 10}


def _stock_the_shop(actor: Principal, shop_id: int) -> dict[str, Product]:
    """The demo shop's goods with an opening stock (a stock move each), before any sale."""
    from .counter import goods

    return {
        name: goods.create_product(
            actor, shop_id, name=name, points_price=price, stock=DEMO_STOCK.get(name, 40)
        )
        for name, price in (*GOODS, SALT)
    }


def _issue_cards(actor: Principal, household_ids: list[int]) -> None:
    """Card version 1 for every household, so the counter can be tried at once with any card."""
    from .villages.cards import issue_card

    for household_id in household_ids:
        issue_card(household_id, issued_by_id=actor.user_id)
