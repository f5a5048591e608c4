"""Property test of conferral: whatever the votes, seats and repeated conferrals,

* exactly the winners are paid, once each, the rule's points; a nominee whose household
  moved away before the publication takes no seat (the next passing nominee does);
* the village's balances sum to zero, cached balances equal the sum of transfers and
  ``ledger verify`` is clean;
* conferring again posts nothing.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pointsmart.accounts.service import load_principal
from pointsmart.admin.households import mark_moved_away
from pointsmart.campaigns import conferral, review, service
from pointsmart.extensions import db
from pointsmart.ledger.models import Account, Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import local_today
from tests.awards.conftest import add_rule
from tests.factories import ROOT

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(
    votes=st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=1, max_size=5),
    seats=st.integers(min_value=1, max_value=3),
    conferrals=st.integers(min_value=1, max_value=3),
    moved_away=st.sets(st.integers(min_value=0, max_value=4), max_size=2),
)
@example(votes=[[True] * 3, [True] * 3], seats=1, conferrals=1, moved_away={0})
def test_conferral_pays_exactly_the_winners_once(make, votes, seats, conferrals, moved_away):
    village = make.village()
    rule = add_rule(village, "hjt", "好家庭", "red", 80, valid_from=dt.date(2020, 1, 1))
    council = [make.staff("leader", village) for _ in range(3)]
    households = [make.household(village) for _ in votes]
    today = local_today(village.timezone)
    campaign = service.create_campaign(
        ROOT, village.id, title="好家庭", rule_id=rule.id, seats=seats, nominate_from=today,
        nominate_until=today, review_until=today, notice_days=0, quorum=3,
        council=[member.user_id for member in council],
    )  # fmt: skip
    for household, sides in zip(households, votes, strict=True):
        nomination = service.nominate(ROOT, campaign.id, household_id=household.id, reason="好")
        for member, approve in zip(council, sides, strict=True):
            review.cast_vote(load_principal(member.user_id), nomination.id, approve=approve)
    gone = {i for i in moved_away if i < len(households)}
    for i in gone:
        mark_moved_away(ROOT, households[i].id)
    review.publish(ROOT, campaign.id)
    passing = sorted(
        (i for i, sides in enumerate(votes) if sum(sides) >= 2 and i not in gone),
        key=lambda i: (-sum(votes[i]), i),
    )
    expected_winners = {households[i].id for i in passing[:seats]}

    posted = [conferral.confer(ROOT, campaign.id)[1] for _ in range(conferrals)]

    assert posted == [len(expected_winners)] + [0] * (conferrals - 1)
    paid = db.session.execute(
        sa.select(Transfer.household_id, Transfer.amount).where(Transfer.village_id == village.id)
    ).all()
    assert sorted(paid) == sorted((household_id, 80) for household_id in expected_winners)
    balances = db.session.execute(
        sa.select(sa.func.sum(Account.balance)).where(Account.village_id == village.id)
    ).scalar_one()
    assert balances == 0
    assert verify_village(village.id).ok
