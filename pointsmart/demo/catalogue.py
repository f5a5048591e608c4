"""The demo village's rule catalogue (积分细则), and the records that go with its history.

``pointsmart.demo`` builds 幸福村 and posts a few months of history; this module gives it a
realistic catalogue and lets every entry of that history be an entry *by rule*: the transfer
names the rule version in force on its day and keeps its quantity, exactly as an award made on
the leader pages would, so ``flask ledger verify`` checks their arithmetic too.

The demo tells one change of a rule: 志愿服务每小时 paid 8 points an hour until the end of the
month before last, and 10 since. That second version is written straight into the table,
dated in the past, because the demo writes history after the fact; through the service a
change can only apply from today on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ..accounts.auth import Principal
from ..activities.models import Activity, Attendance
from ..board.models import BoardEntry
from ..database import utcnow
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.models import Transfer
from ..rules import arithmetic
from ..rules import catalogue as rules
from ..rules.models import Rule, RuleVersion

# (code, name, category, points per unit, unit, monthly cap)
DEMO_RULES = (
    ("mqsb", "门前三包", "rule", 10, "each", 10),
    ("ljfl", "垃圾分类", "rule", 10, "each", 10),
    ("cjdh", "参加村民大会", "other", 10, "each", 10),
    ("zyfw", "志愿服务每小时", "volunteer", 10, "hour", 120),
    ("xlaq", "孝老爱亲", "red", 30, "each", None),
    ("hxf", "好媳妇", "red", 50, "each", 50),
    ("hpp", "好婆婆", "red", 60, "each", 60),
    ("hbsj", "红白事简办", "red", 30, "each", None),
    ("hrhs", "好人好事", "red", 20, "each", None),
    ("mlty", "美丽庭院示范户", "red", 20, "each", 20),
    ("llhm", "邻里和睦", "red", 20, "each", None),
    ("ldlf", "乱堆乱放", "black", -10, "each", None),
    ("fsjg", "焚烧秸秆", "black", -30, "each", None),
    ("bsylr", "不赡养老人", "black", -50, "each", None),
    ("ldlj", "乱倒垃圾", "black", -10, "each", None),
    ("syjq", "散养家禽影响环境", "black", -10, "each", None),
    ("rfyh", "违规燃放烟花爆竹", "black", -20, "each", None),
)
VOLUNTEER = "zyfw"
EARLIER_VOLUNTEER_RATE = 8


@dataclass(frozen=True)
class Planned:
    rule: Rule
    version: RuleVersion
    quantity: Decimal
    points: int  # > 0


class DemoCatalogue:
    """The catalogue of one demo village, and entries by it."""

    def __init__(self, actor: Principal, village_id: int, first_day: dt.date, rate_change: dt.date):
        self.village_id = village_id
        self.rules: dict[str, Rule] = {}
        for code, name, category, points, unit, cap in DEMO_RULES:
            first_points = EARLIER_VOLUNTEER_RATE if code == VOLUNTEER else points
            view = rules.create_rule(
                actor, village_id, code=code, name=name, category=category, points=first_points,
                unit=unit, monthly_cap=cap, valid_from=first_day,
            )  # fmt: skip
            self.rules[code] = view.rule
            if code == VOLUNTEER:
                db.session.add(
                    RuleVersion(
                        rule_id=view.rule.id,
                        version=2,
                        points=points,
                        monthly_cap=cap,
                        valid_from=rate_change,
                        created_by_id=actor.user_id,
                    )
                )
        db.session.flush()

    def plan(self, code: str, day: dt.date, quantity: int | Decimal = 1) -> Planned:
        rule = self.rules[code]
        version = rules.version_on(rule.id, day)
        quantity = Decimal(quantity).quantize(arithmetic.HUNDREDTH)
        return Planned(
            rule, version, quantity, arithmetic.points_for(quantity, abs(version.points))
        )

    def post(
        self,
        household_id: int,
        code: str,
        *,
        day: dt.date,
        period: str,
        memo: str,
        posted_by_id: int,
        quantity: int | Decimal = 1,
    ) -> tuple[Transfer, int]:
        """Post an entry by rule; returns the transfer and its signed points."""
        planned = self.plan(code, day, quantity)
        post = ledger.award if planned.version.points > 0 else ledger.deduct
        transfer = post(
            self.village_id,
            household_id,
            planned.points,
            category=planned.rule.category,
            memo=memo,
            period=period,
            posted_by_id=posted_by_id,
            rule_version_id=planned.version.id,
            quantity=planned.quantity,
        )
        signed = planned.points if planned.version.points > 0 else -planned.points
        return transfer, signed

    def board_entry(
        self, transfer: Transfer, code: str, *, day: dt.date, reason: str, days: int = 30
    ) -> BoardEntry:
        """The red or black list entry of a posted transfer, on the board from ``day``."""
        rule = self.rules[code]
        entry = BoardEntry(
            village_id=self.village_id,
            household_id=transfer.household_id,
            rule_id=rule.id,
            kind=rule.category,
            reason=reason,
            period=transfer.period,
            board_until=day + dt.timedelta(days=days - 1),
            transfer_id=transfer.id,
            created_by_id=transfer.posted_by_id,
            created_at=utcnow(),
        )
        db.session.add(entry)
        return entry

    def activity(self, title: str, day: dt.date, place: str, created_by_id: int) -> Activity:
        activity = Activity(
            village_id=self.village_id,
            title=title,
            date=day,
            place=place,
            rule_id=self.rules[VOLUNTEER].id,
            created_by_id=created_by_id,
        )
        db.session.add(activity)
        db.session.flush()
        return activity

    def attendance(
        self, activity: Activity, transfer: Transfer, member_name: str, hours: int | Decimal
    ) -> None:
        db.session.add(
            Attendance(
                activity_id=activity.id,
                household_id=transfer.household_id,
                member_name=member_name,
                hours=Decimal(hours),
                recorded_by_id=transfer.posted_by_id,
                transfer_id=transfer.id,
            )
        )
