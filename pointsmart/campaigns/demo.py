"""The demo village's campaigns (评选), at the end of the demo's story: a 孝亲敬老之家
campaign run through in one day and conferred (one seat: its winner on the honour roll, the
board and the TV; one transfer, so the story's stamps stay one per transfer), and a 好家庭
campaign open for nominations, 豆选 and the council's votes for the next two weeks, with the
demo villager's household nominated."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..accounts.auth import Principal
from ..accounts.service import load_principal
from ..extensions import db
from ..ledger.models import Account
from ..rules.models import Rule
from . import conferral, review, service, windows


def load_demo_campaigns(
    actor: Principal, village_id: int, council_ids: list[int], nominator_id: int, villager_id: int
) -> None:
    """Both campaigns; the caller commits. ``council_ids``: the staff on the council."""
    rules = dict(
        db.session.execute(
            sa.select(Rule.code, Rule.id).where(
                Rule.village_id == village_id, Rule.code.in_(("xlaq", "llhm"))
            )
        ).all()
    )
    today = windows.today_of_village(village_id)
    # Households that have points, in a fixed order: the nominees of the conferred campaign.
    nominees = list(
        db.session.execute(
            sa.select(Account.household_id)
            .where(
                Account.village_id == village_id,
                Account.household_id.is_not(None),
                Account.household_id != villager_id,
                Account.balance > 0,
            )
            .order_by(Account.household_id)
            .limit(3)
        ).scalars()
    )
    council = [load_principal(user_id) for user_id in council_ids]
    done = service.create_campaign(
        actor, village_id, title="孝亲敬老之家", rule_id=rules["xlaq"], seats=1,
        nominate_from=today, nominate_until=today, review_until=today, notice_days=0,
        quorum=len(council), council=council_ids,
    )  # fmt: skip
    reasons = ("照顾瘫痪婆婆十年", "三代同堂，孝敬老人", "常帮邻居老人挑水")
    nominator = load_principal(nominator_id)
    for index, (household_id, reason) in enumerate(zip(nominees, reasons, strict=False)):
        nomination = service.nominate(nominator, done.id, household_id=household_id, reason=reason)
        for number, member in enumerate(council):
            approve = index < 2 or number == 0  # the third has one vote of three
            review.cast_vote(member, nomination.id, approve=approve, note="属实")
    review.publish(actor, done.id)
    conferral.confer(actor, done.id)

    open_campaign = service.create_campaign(
        actor, village_id, title="好家庭", rule_id=rules["llhm"], seats=3,
        nominate_from=today, nominate_until=today + dt.timedelta(days=13),
        review_until=today + dt.timedelta(days=20), notice_days=7, quorum=2,
        council=council_ids, villagers_nominate=True, bean_votes=3,
    )  # fmt: skip
    service.nominate(
        nominator, open_campaign.id, household_id=villager_id, reason="家庭和睦，热心公益"
    )
