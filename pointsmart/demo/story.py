"""What the demo village is and the story its history tells: the village, its staff's
logins, and what points are given and taken for (see the package's description)."""

from __future__ import annotations

from dataclasses import dataclass

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
# (rule code, memo, odds); the rules are in demo.catalogue.DEMO_RULES
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

# Opening stock before the demo's sales; rice runs low, so the goods page warns.
DEMO_STOCK = {"大米 5kg": 4, "食用油 5L": 10}
